"""Command line: `atmp-desktop COMMAND ...` (no command opens the window).

Exit codes: 0 success, 1 the command ran and found problems, 2 usage error or unreadable file.
Errors go to stderr as one clear sentence, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Callable

from atmp_desktop import APP_NAME, __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
# Modules that add their own subcommands with add_commands(subparsers); owned by their features.
COMMAND_MODULES = ("atmp_desktop.cli_export", "atmp_desktop.cli_validate", "atmp_desktop.cli_share")


class CliError(Exception):
    """A problem to report as one sentence on stderr with exit code 2."""


def _forms():
    from atmp_desktop.core.definitions import DefinitionError, default_definitions
    from atmp_desktop.core.forms import FormError, default_forms
    try:
        forms = default_forms()
    except FormError as exc:
        raise CliError(f"the form definitions are broken: {exc}") from None
    try:
        default_definitions()  # checked against the forms; a broken file is named before any work is done
    except DefinitionError as exc:
        raise CliError(f"the document definitions are broken: {exc}") from None
    return forms


def open_project(path: str, read_only: bool = True, break_lock: bool = False):
    """Open a project for a command; store errors become CliError (exit 2). A file that cannot be written
    while writing was asked for is refused with the reason (it would open read-only in the window)."""
    from atmp_desktop.store import ProjectFile, ProjectFileError, ProjectLockedError
    try:
        project = ProjectFile.open(Path(path), _forms(), read_only=read_only, break_lock=break_lock)
    except ProjectLockedError as exc:
        hint = " (atmp-desktop break-lock breaks it)" if exc.can_break else ""
        raise CliError(str(exc).rstrip(".") + hint + ".") from None
    except ProjectFileError as exc:
        raise CliError(str(exc)) from None
    if not read_only and project.read_only:
        project.close()
        raise CliError(f"'{Path(path).name}' cannot be changed: {project.read_only_reason}.")
    return project


def report_problems(problems) -> None:
    """Stored values the store could not use, one line each on stderr (the command still runs)."""
    for path, sentence in problems:
        print(f"atmp-desktop: warning: {path} {sentence}.", file=sys.stderr)


def snapshot_of(path: str):
    with open_project(path) as project:
        snap = project.snapshot()
    report_problems(snap.problems)
    return snap


def _dump_document(path: str) -> dict:
    from atmp_desktop.core.interchange import ordered_data
    from atmp_desktop.core.project import to_document
    snap = snapshot_of(path)
    doc = to_document(snap)
    doc["data"] = ordered_data(_forms(), doc["data"])
    return doc


def cmd_dump(args) -> int:
    from atmp_desktop.core.interchange import dumps
    sys.stdout.write(dumps(_dump_document(args.project)))
    return EXIT_OK


def cmd_new(args) -> int:
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile, ProjectFileError
    document = None
    if args.sample and args.from_json:
        raise CliError("use either --sample or --from-json, not both.")
    if args.sample:
        try:
            document = load_sample(args.sample)
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
    elif args.from_json:
        from atmp_desktop.core.values import loads_json
        try:
            document = loads_json(Path(args.from_json).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CliError(f"'{args.from_json}' does not exist.") from None
        except IsADirectoryError:
            raise CliError(f"'{args.from_json}' is a folder, not a JSON file.") from None
        except UnicodeDecodeError:
            raise CliError(f"'{args.from_json}' is not UTF-8 text; save it as UTF-8 and try again. "
                           "Nothing was created.") from None
        except OSError as exc:
            raise CliError(f"'{args.from_json}' cannot be read ({exc.strerror or exc}).") from None
        except ValueError as exc:
            raise CliError(f"'{args.from_json}' cannot be imported: {exc}; nothing was created.") from None
        if not isinstance(document, dict):
            raise CliError(f"'{args.from_json}' holds {json.dumps(document)[:20]} instead of a project (a JSON object "
                           "made by 'dump'); nothing was created.")
    target = Path(args.project)
    if target.suffix != ".atmp":
        raise CliError(f"project files end in .atmp; use '{target.with_suffix('.atmp')}'.")
    try:
        ProjectFile.create(target, _forms(), document=document, title=args.title, overwrite=args.force).close()
    except ProjectFileError as exc:
        raise CliError(str(exc)) from None
    print(target)
    return EXIT_OK


def cmd_samples(args) -> int:
    from atmp_desktop.samples import sample_names, sample_title
    for name in sample_names():
        print(f"{name}\t{sample_title(name)}")
    return EXIT_OK


def cmd_get(args) -> int:
    forms = _forms()
    try:
        forms.field(args.field_path)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    value = snapshot_of(args.project).get(args.field_path)
    if value is None:
        return EXIT_OK
    print(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return EXIT_OK


def cmd_set(args) -> int:
    from atmp_desktop.core.forms import parse_path
    from atmp_desktop.core.values import FieldValueError, parse_text
    from atmp_desktop.core.values import door_notes, loads_json
    forms = _forms()
    try:
        p = parse_path(args.field_path)
        f = forms.field(p.field_path)
        target = f.column(p.column) if p.column else f
        if args.value.strip() == "":
            raise CliError(f"no value given for {args.field_path}; to clear it, use "
                           f"'atmp-desktop clear {args.project} {args.field_path}'.")
        if p.index is not None and p.column is None:
            try:
                value = loads_json(args.value)
            except ValueError as exc:
                raise FieldValueError(f"{f.label}: the row cannot be used: {exc}") from None
            if not isinstance(value, dict):
                raise FieldValueError(f"{f.label}: a row is a JSON object of column values, e.g. "
                                      '\'{"name": "..."}\'')
        else:
            value = parse_text(target, args.value)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    except FieldValueError as exc:
        raise CliError(str(exc)) from None
    _write(args, [(args.field_path, value)])
    for note in door_notes(target, args.value):
        print(f"atmp-desktop: note: {note}.", file=sys.stderr)
    return EXIT_OK


def _write(args, edits) -> None:
    from atmp_desktop.core.values import FieldValueError
    from atmp_desktop.store import ProjectFileError
    with open_project(args.project, read_only=False, break_lock=getattr(args, "break_lock", False)) as project:
        try:
            project.apply(edits)
        except FieldValueError as exc:
            raise CliError(str(exc)) from None
        except ProjectFileError as exc:
            raise CliError(str(exc)) from None


def cmd_clear(args) -> int:
    forms = _forms()
    from atmp_desktop.core.forms import parse_path
    try:
        forms.field(parse_path(args.field_path).field_path)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    _write(args, [(args.field_path, None)])
    return EXIT_OK


def cmd_backups(args) -> int:
    from atmp_desktop.store.backups import list_backups
    found = list_backups(Path(args.project))
    if not found:
        print(f"atmp-desktop: no backups of '{Path(args.project).name}' yet (one is made each time it is opened "
              "for editing and every 10 minutes of editing).", file=sys.stderr)
        return EXIT_PROBLEMS
    for b in found:
        print(f"{b.path}\t{b.label}")
    return EXIT_OK


def cmd_restore(args) -> int:
    from atmp_desktop.store import ProjectFileError
    from atmp_desktop.store.recovery import restore_backup
    target = Path(args.to)
    if target.suffix != ".atmp":
        raise CliError(f"project files end in .atmp; use '{target.with_suffix('.atmp')}'.")
    try:
        restore_backup(Path(args.backup), target, _forms())
    except ProjectFileError as exc:
        raise CliError(str(exc)) from None
    print(target)
    return EXIT_OK


def cmd_clean_copy(args) -> int:
    from atmp_desktop.store import ProjectFileError
    from atmp_desktop.store.recovery import clean_copy
    target = Path(args.to)
    if target.suffix != ".atmp":
        raise CliError(f"project files end in .atmp; use '{target.with_suffix('.atmp')}'.")
    try:
        report = clean_copy(Path(args.project), target, _forms())
    except ProjectFileError as exc:
        raise CliError(str(exc)) from None
    for problem in report.problems:
        print(f"atmp-desktop: left out: {problem}", file=sys.stderr)
    print(target)
    return EXIT_PROBLEMS if report.problems else EXIT_OK


def cmd_break_lock(args) -> int:
    from atmp_desktop.store.locking import describe, read_holder
    holder = read_holder(Path(args.project))
    if holder is None:
        print(f"'{Path(args.project).name}' is not locked.")
        return EXIT_OK
    open_project(args.project, read_only=False, break_lock=True).close()
    print(f"the lock of {describe(holder)} on '{Path(args.project).name}' was broken.")
    return EXIT_OK


def _check_display() -> None:
    """Without a display Qt aborts the process; say so in one sentence instead."""
    import os
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        raise CliError("no display found (DISPLAY is not set); start the app from a desktop session, "
                       "or use the command-line commands (see --help).")


def cmd_gui(args) -> int:
    _check_display()
    path = args.project
    if args.sample:
        from atmp_desktop.samples import fresh_sample_copy
        from atmp_desktop.store import ProjectFileError
        try:
            path = fresh_sample_copy(args.sample, _forms())
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
        except ProjectFileError as exc:
            raise CliError(str(exc)) from None
    from atmp_desktop.ui.app import run_gui
    return run_gui(str(path) if path else None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atmp-desktop", description=f"{APP_NAME} {__version__}")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("new", help="create a project file (empty, from a sample or from JSON)")
    p.add_argument("project", help="the .atmp file to create")
    p.add_argument("--sample", metavar="NAME", help="start from a shipped sample (see 'samples')")
    p.add_argument("--from-json", metavar="FILE", help="recreate a project from a 'dump'")
    p.add_argument("--title", help="project title (default: the file name)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("dump", help="print the whole project as JSON (stable order)")
    p.add_argument("project")
    p.set_defaults(func=cmd_dump)

    p = sub.add_parser("samples", help="list the shipped sample projects")
    p.set_defaults(func=cmd_samples)

    p = sub.add_parser("get", help="print one value, e.g. product.invented_name or manufacturing.sites[0].name")
    p.add_argument("project")
    p.add_argument("field_path")
    p.set_defaults(func=cmd_get)

    p = sub.add_parser("set", help="set one value (one transaction, audited)")
    p.add_argument("project")
    p.add_argument("field_path")
    p.add_argument("value", help="text; yes/no; 12 h; 2026-05-01; a,b for multi-choice; JSON for tables and rows")
    p.add_argument("--break-lock", action="store_true", help="take over a lock you know is dead")
    p.set_defaults(func=cmd_set)

    p = sub.add_parser("clear", help="clear one value, row or table (one transaction, audited)")
    p.add_argument("project")
    p.add_argument("field_path")
    p.add_argument("--break-lock", action="store_true", help="take over a lock you know is dead")
    p.set_defaults(func=cmd_clear)

    p = sub.add_parser("backups", help="list the automatic backups of a project (newest first)")
    p.add_argument("project")
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser("restore", help="restore a backup to a project file")
    p.add_argument("backup", help="a file listed by 'backups'")
    p.add_argument("--to", required=True, metavar="FILE", help="the .atmp file to restore into")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("clean-copy", help="copy the values of a refused file into a new, clean project")
    p.add_argument("project")
    p.add_argument("--to", required=True, metavar="FILE", help="the new .atmp file")
    p.set_defaults(func=cmd_clean_copy)

    p = sub.add_parser("break-lock", help="break a lock you know is dead (e.g. after a crash on another computer)")
    p.add_argument("project")
    p.set_defaults(func=cmd_break_lock)

    p = sub.add_parser("gui", help="open the window (the default)")
    p.add_argument("project", nargs="?")
    p.add_argument("--sample", metavar="NAME", help="open a fresh copy of a shipped sample")
    p.set_defaults(func=cmd_gui)

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not argv or argv[0] not in parser._subparsers._group_actions[0].choices and not argv[0].startswith("-"):
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except CliError as exc:
        print(f"atmp-desktop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # last resort: one sentence, never a traceback
        print(f"atmp-desktop: unexpected error ({type(exc).__name__}: {exc}); please report it.", file=sys.stderr)
        return EXIT_USAGE
