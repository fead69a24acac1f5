"""Export commands: `documents`, `export`, `check-pdf` (added to the CLI by add_commands)."""
from __future__ import annotations

import sys
from pathlib import Path

from atmp_desktop.cli import EXIT_OK, EXIT_PROBLEMS, CliError, _forms, snapshot_of


def cmd_documents(args) -> int:
    from atmp_desktop.core.documents import DOCUMENTS
    snap = snapshot_of(args.project) if args.project else None
    for d in DOCUMENTS:
        if snap is None:
            print(f"{d.id}\t{d.title}")
            continue
        applies = d.applies(snap)
        reason = d.reason(_label, _forms().value_label)
        print(f"{d.id}\t{d.title}\t{'applies' if applies else 'does not apply'}\t{reason}")
    return EXIT_OK


def _label(path: str) -> str:
    from atmp_desktop.export.builders.base import label_of
    return label_of(path)


def cmd_export(args) -> int:
    from atmp_desktop.export.api import export_documents
    from atmp_desktop.export.errors import ExportError
    from atmp_desktop.export.pdf_check import passed, summary
    formats = ("docx", "pdf") if args.format == "both" else (args.format,)
    snap = snapshot_of(args.project)
    watermark = True if args.watermark else (False if args.no_watermark else None)
    try:
        result = export_documents(snap, args.document or ["all"], Path(args.out), formats=formats,
                                  template=Path(args.template) if args.template else None, layout=args.layout,
                                  watermark=watermark, workers=args.jobs)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    for path in result.paths:
        checks = result.checks.get(path)
        print(f"{path}\t{'check-pdf: ' + summary(checks) if checks is not None else ''}".rstrip())
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK if all(passed(c) for c in result.checks.values()) else EXIT_PROBLEMS


def cmd_check_pdf(args) -> int:
    from atmp_desktop.export.pdf_check import check_pdf, check_tree, passed
    path = Path(args.file)
    if path.is_dir():
        try:
            per_file, tree = check_tree(path)
        except Exception as exc:  # a damaged PDF in the tree
            raise CliError(f"'{path}' holds a PDF that cannot be read ({type(exc).__name__}).") from None
        bad = 0
        for pdf, checks in per_file.items():
            for rule, ok, detail in checks:
                if not ok:
                    print(f"FAIL\t{pdf.relative_to(path)}\t{rule}\t{detail}")
            bad += not passed(checks)
        print(f"{'PASS' if not bad else 'FAIL'}\tevery PDF passes the file checks\t"
              f"{len(per_file) - bad} of {len(per_file)} file(s)")
        for rule, ok, detail in tree:
            print(f"{'PASS' if ok else 'FAIL'}\t{rule}\t{detail}")
        return EXIT_OK if not bad and passed(tree) else EXIT_PROBLEMS
    if not path.is_file():
        raise CliError(f"'{path}' does not exist; give the path of a PDF file or of an exported folder.")
    try:
        checks = check_pdf(path)
    except Exception as exc:  # pypdf raises many types for damaged files
        raise CliError(f"'{path}' is not a readable PDF ({type(exc).__name__}).") from None
    for rule, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}\t{rule}\t{detail}")
    return EXIT_OK if passed(checks) else EXIT_PROBLEMS


def add_commands(sub) -> None:
    p = sub.add_parser("documents", help="list the dossier documents and whether they apply to a project")
    p.add_argument("project", nargs="?", help="a .atmp project (optional)")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("export", help="write dossier documents as Word and/or PDF")
    p.add_argument("project")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--format", choices=("docx", "pdf", "both"), default="both")
    p.add_argument("--document", action="extend", nargs="+", metavar="ID",
                   help="document id(s), e.g. --document m3-2-s m3-2-p (repeatable; default: all applicable "
                        "documents; see 'documents')")
    p.add_argument("--template", metavar="FILE", help="company Word base template (.docx or .dotx)")
    p.add_argument("--layout", choices=("flat", "ectd", "ctis"), default="flat",
                   help="flat folder, eCTD folder tree, or CTIS Part I placeholders (clinical-trial documents)")
    wm = p.add_mutually_exclusive_group()
    wm.add_argument("--watermark", action="store_true", help="force the DRAFT watermark on PDFs")
    wm.add_argument("--no-watermark", action="store_true", help="never draw the DRAFT watermark")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="write the files in N processes (default 0: one per processor; 1: one after another)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("check-pdf", help="check a PDF, or every PDF of an exported folder with its names, links "
                                         "between leaves and manifest, against the eCTD rules")
    p.add_argument("file")
    p.set_defaults(func=cmd_check_pdf)
