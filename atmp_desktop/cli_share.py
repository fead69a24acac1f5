"""Sharing and review commands: milestone, diff, merge, review, bundle, send-copy, import-docx, import-table.

A project given as FILE@MILESTONE means that milestone of the file (by name, id or the start of its id).
Exit codes as everywhere: 0 done (diff: no differences), 1 differences / conflicts left, 2 usage or an
unreadable file.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from atmp_desktop.cli import EXIT_OK, EXIT_PROBLEMS, CliError, _forms, open_project


def _store_errors():
    from atmp_desktop.store import ProjectFileError
    return ProjectFileError


def split_ref(spec: str) -> tuple[str, str | None]:
    """'file.atmp@as sent' -> ('file.atmp', 'as sent'); a path that exists as given is never split."""
    if Path(spec).exists() or "@" not in spec:
        return spec, None
    path, _, ref = spec.rpartition("@")
    return path, ref or None


def load_side(spec: str):
    """(snapshot, label, project uuid, path) of FILE or FILE@MILESTONE, opened read-only through the store."""
    path, ref = split_ref(spec)
    with open_project(path) as pf:
        try:
            if ref:
                m = pf.find_milestone(ref)
                return (pf.milestone_snapshot(m), f"milestone '{m.name}' of {Path(path).name} ({m.created[:10]}, "
                        f"{m.author})", pf.meta().get("uuid"), Path(path))
            meta = pf.meta()
            return pf.snapshot(), f"{Path(path).name} (as saved {meta.get('modified', '')[:16].replace('T', ' ')})", \
                meta.get("uuid"), Path(path)
        except _store_errors() as exc:
            raise CliError(str(exc)) from None


def compared(args):
    """(forms, diff, earlier snapshot, later snapshot) of the A and B of a command; two projects are refused."""
    from atmp_desktop.core.diff import compare
    a, a_label, a_id, a_path = load_side(args.a)
    b, b_label, b_id, b_path = load_side(args.b)
    if a_id != b_id:
        raise CliError(f"'{b_path.name}' is a different project than '{a_path.name}' (their project identities "
                       "differ); compare copies or milestones of one project.")
    forms = _forms()
    return forms, compare(forms, a, b, a_label, b_label), a, b


def cmd_diff(args) -> int:
    from atmp_desktop.core.diff import to_text
    forms, d, _a, _b = compared(args)
    if args.format == "json":
        sys.stdout.write(json.dumps(d.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(to_text(forms, d))
    return EXIT_OK if d.empty else EXIT_PROBLEMS


def cmd_merge(args) -> int:
    from atmp_desktop.store.merging import prepare_merge
    out = Path(args.out)
    for other in (args.mine, args.theirs):
        if Path(other).exists() and out.exists() and out.resolve() == Path(other).resolve():
            raise CliError("--out must be a new file, not MINE or THEIRS (both stay unchanged).")
    if out.suffix != ".atmp":
        raise CliError(f"project files end in .atmp; use '{out.with_suffix('.atmp')}'.")
    if out.exists() and not args.force:
        raise CliError(f"'{out}' already exists; choose another name or add --force.")
    Err = _store_errors()
    source = open_project(args.mine)
    try:
        result = source.save_as(out)  # a copy of MINE with its history and milestones; MINE is not touched
    except Err as exc:
        source.close()
        raise CliError(str(exc)) from None
    try:
        plan = prepare_merge(result, args.theirs)
        decisions = plan.result.decide_all(args.prefer) if args.prefer else {}
        plan.apply(decisions)
        left = plan.result.unresolved(decisions)
        report = merge_report(plan, decisions, out)
    except Err as exc:
        result.close()
        out.unlink(missing_ok=True)
        raise CliError(str(exc)) from None
    result.close()
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(merge_report_text(report))
    return EXIT_PROBLEMS if left else EXIT_OK


def merge_report(plan, decisions: dict, out: Path) -> dict:
    res = plan.result
    return {
        "format": "atmp-dossier-merge-report", "format_version": 1, "result": str(out),
        "theirs": plan.theirs_path.name, "theirs_author": plan.theirs_author, "base": res.base_label,
        "taken": list(res.taken), "kept_mine": list(res.kept_mine),
        "conflicts": [{"id": c.id, "kind": c.kind, "path": c.path, "step": c.step, "row_id": c.row_id,
                       "column": c.column, "label": c.label, "base": c.base, "mine": c.mine, "theirs": c.theirs,
                       "decision": decisions.get(c.id, "open (mine kept)")} for c in res.conflicts],
        "unresolved": len(res.unresolved(decisions)),
    }


def merge_report_text(r: dict) -> str:
    lines = [f"Merged {r['theirs']} (changed by {r['theirs_author']}) into {r['result']}", f"Base: {r['base']}",
             f"Taken from {r['theirs']}: {len(r['taken'])} change(s)"]
    lines += [f"  + {t}" for t in r["taken"][:200]]
    if len(r["taken"]) > 200:
        lines.append(f"  ... and {len(r['taken']) - 200} more")
    lines += [f"  = {k}" for k in r["kept_mine"]]
    if r["conflicts"]:
        lines.append(f"Conflicts: {len(r['conflicts'])} ({r['unresolved']} still open; open ones keep your value)")
        for c in r["conflicts"]:
            lines += [f"  ! {c['label']}  [{c['decision']}]", f"      base:   {c['base'][:200]}",
                      f"      mine:   {c['mine'][:200]}", f"      theirs: {c['theirs'][:200]}"]
        if r["unresolved"]:
            lines.append("Decide them in the window (Review > Merge a Colleague's Copy) or run again with "
                         "--prefer mine / --prefer theirs.")
    else:
        lines.append("No conflicts.")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- milestones
def cmd_milestone(args) -> int:
    Err = _store_errors()
    writes = args.action in ("add", "restore")
    with open_project(args.project, read_only=not writes) as pf:
        try:
            if args.action == "list":
                ms = pf.milestones()
                if not ms:
                    print("No milestones yet (atmp-desktop milestone add PROJECT NAME makes one).")
                for m in ms:
                    c = m.counts
                    print(f"{m.id[:8]}  {m.created[:16].replace('T', ' ')}  {m.author:<12}  {m.kind:<6}  "
                          f"{c.get('fields', 0):>4} fields {c.get('rows', 0):>5} rows  {m.name}")
            elif args.action == "add":
                m = pf.create_milestone(args.name, note=args.note or "")
                print(f"{m.id[:8]}  {m.name}")
            elif args.action == "restore":
                cs = pf.restore_milestone(args.name)
                print("Nothing to restore: the project already holds that milestone." if cs is None else
                      f"Restored '{pf.find_milestone(args.name).name}' (undo in the window brings the present back; "
                      f"it is also kept as the milestone 'before restoring ...').")
            elif args.action == "export":
                if not args.out:
                    raise CliError("export needs --out FILE.atmp.")
                print(pf.export_milestone(args.name, Path(args.out), overwrite=args.force))
        except Err as exc:
            raise CliError(str(exc)) from None
    return EXIT_OK


# ---------------------------------------------------------------------------------------------- review
def cmd_review(args) -> int:
    from atmp_desktop.core.review import STATE_LABELS, target_label, threads
    Err = _store_errors()
    forms = _forms()
    writes = args.action != "list"
    with open_project(args.project, read_only=not writes) as pf:
        try:
            if args.action == "list":
                snap = pf.snapshot()
                for target, e in sorted(snap.review.items()):
                    print(f"{target_label(forms, target):<50} {STATE_LABELS[e['status']]:<10} {e['reviewer']} "
                          f"{e['at'][:10]}  {e['comment']}")
                for t in threads(snap.comments):
                    state = "resolved" if t.resolved else "open"
                    print(f"[{state}] {t.path} {t.id[:8]} {t.first['author']}: {t.first['body']}")
                    for r in t.replies:
                        print(f"      {r['author']}: {r['body']}")
            elif args.action == "set":
                if not args.status:
                    raise CliError("review set needs TARGET STATUS, e.g. step:product approved.")
                pf.set_review_status(args.target, args.status, args.comment or "", reviewer=args.reviewer)
                if pf.review_status(args.target)["status"] != args.status:
                    raise CliError("the status was not recorded.")
            elif args.action == "comment":
                if not args.text:
                    raise CliError("review comment needs FIELD_PATH TEXT.")
                forms.field(args.target)
                pf.add_comment(args.target, args.text, parent=_full_id(pf, args.reply) if args.reply else "")
            elif args.action == "resolve":
                pf.resolve_comment(_full_id(pf, args.target), resolved=not args.reopen)
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
        except Err as exc:
            raise CliError(str(exc)) from None
    return EXIT_OK


def _full_id(pf, short: str) -> str:
    found = [c["id"] for c in pf.comments() if c["id"].startswith(short)]
    if len(found) != 1:
        raise CliError(f"no single comment starts with '{short}' (atmp-desktop review list shows them).")
    return found[0]


# ---------------------------------------------------------------------------------------------- reports
def cmd_change_report(args) -> int:
    from atmp_desktop.export.change_report import write_change_report
    from atmp_desktop.export.errors import ExportError
    forms, d, a, b = compared(args)
    stem = Path(args.out)
    if stem.suffix in (".docx", ".pdf"):
        stem = stem.with_suffix("")
    if not stem.parent.is_dir():
        raise CliError(f"the folder '{stem.parent}' does not exist.")
    try:
        for path in write_change_report(forms, d, b, stem, formats=tuple(args.formats.split(",")), old=a):
            print(path)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def cmd_bundle(args) -> int:
    from atmp_desktop.export.bundle import write_bundle
    from atmp_desktop.export.errors import ExportError
    Err = _store_errors()
    with open_project(args.project) as pf:
        try:
            m = pf.find_milestone(args.since)
            since = pf.milestone_snapshot(m)
            snap = pf.snapshot()
        except Err as exc:
            raise CliError(str(exc)) from None
    try:
        res = write_bundle(_forms(), snap, since, f"milestone '{m.name}' ({m.created[:10]})", Path(args.out),
                           now_label=f"{Path(args.project).name} as saved {snap.meta.get('modified', '')[:10]}")
    except ExportError as exc:
        raise CliError(str(exc)) from None
    for w in res.warnings:
        print(f"atmp-desktop: warning: {w}", file=sys.stderr)
    for f in res.failed_checks:
        print(f"atmp-desktop: PDF check failed: {f}", file=sys.stderr)
    print(f"{res.path} ({len(res.files)} files, manifest with SHA-256 checksums)")
    return EXIT_PROBLEMS if res.failed_checks else EXIT_OK


def cmd_send_copy(args) -> int:
    from atmp_desktop.store.sharing import send_copy
    Err = _store_errors()
    target = Path(args.out)
    if target.exists() and not args.force:
        raise CliError(f"'{target}' already exists; choose another name or add --force.")
    with open_project(args.project, read_only=False) as pf:
        try:
            sent = send_copy(pf, target, remove_names=args.remove_names)
        except Err as exc:
            raise CliError(str(exc)) from None
    print(f"{sent.path}  (milestone: {sent.milestone}; {sent.paths_removed} local path(s) removed"
          + (f"; {sent.names_removed} user name(s) replaced" if args.remove_names else "") + ")")
    return EXIT_OK


def add_commands(sub) -> None:
    p = sub.add_parser("diff", help="compare two copies or milestones of a project (FILE or FILE@MILESTONE)")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("merge", help="three-way merge of a colleague's copy into a new file")
    p.add_argument("mine", metavar="MINE")
    p.add_argument("theirs", metavar="THEIRS")
    p.add_argument("--out", required=True, metavar="RESULT", help="the merged project (MINE and THEIRS stay as they are)")
    p.add_argument("--prefer", choices=("mine", "theirs"), help="decide every conflict for one side")
    p.add_argument("--format", choices=("text", "json"), default="text", help="the conflict report's format")
    p.add_argument("--force", action="store_true", help="replace RESULT if it exists")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("milestone", help="list, add, restore or export milestones (named snapshots in the file)")
    p.add_argument("action", choices=("list", "add", "restore", "export"))
    p.add_argument("project")
    p.add_argument("name", nargs="?", help="the milestone's name (add) or name/id (restore, export)")
    p.add_argument("--note", help="a note kept with a new milestone")
    p.add_argument("--out", help="export: the new project file")
    p.add_argument("--force", action="store_true", help="export: replace --out if it exists")
    p.set_defaults(func=cmd_milestone)

    p = sub.add_parser("review", help="review status of steps and CTD sections, and review comments")
    p.add_argument("action", choices=("list", "set", "comment", "resolve"))
    p.add_argument("project")
    p.add_argument("target", nargs="?", help="set: step:<id> or section:<code>; comment: a field path; "
                                             "resolve: a comment id")
    p.add_argument("status", nargs="?", help="set: draft, in_review or approved")
    p.add_argument("--comment", help="set: the reviewer's comment")
    p.add_argument("--reviewer", help="set: the reviewer's name (default: your login name)")
    p.add_argument("--text", help="comment: the comment")
    p.add_argument("--reply", help="comment: the id of the comment answered")
    p.add_argument("--reopen", action="store_true", help="resolve: open the thread again")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("change-report", help="write the change report (Word and PDF) between A and B")
    p.add_argument("a", metavar="A", help="FILE or FILE@MILESTONE (the earlier state)")
    p.add_argument("b", metavar="B", help="FILE or FILE@MILESTONE (the later state)")
    p.add_argument("--out", required=True, metavar="STEM", help="written as STEM.docx and STEM.pdf")
    p.add_argument("--formats", default="docx,pdf", help="docx, pdf or both (default)")
    p.set_defaults(func=cmd_change_report)

    p = sub.add_parser("bundle", help="one zip for a review round: PDFs, Word files, readiness and change "
                                      "report, manifest with checksums")
    p.add_argument("project")
    p.add_argument("--since", required=True, metavar="MILESTONE", help="the change report covers changes since it")
    p.add_argument("--out", required=True, metavar="FILE.zip")
    p.set_defaults(func=cmd_bundle)

    p = sub.add_parser("send-copy", help="a clean copy for e-mail: no lock, no history, no local paths")
    p.add_argument("project")
    p.add_argument("--out", required=True, metavar="COPY.atmp")
    p.add_argument("--remove-names", action="store_true", help="replace user names in the audit log")
    p.add_argument("--force", action="store_true", help="replace COPY if it exists")
    p.set_defaults(func=cmd_send_copy)
