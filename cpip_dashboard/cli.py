"""`python -m cpip_dashboard COMMAND`: the command line of CONTRACT.md.

init-db, import, template, batches, rollback, approve, reject, audit-disclosure, figures,
verify-audit, pack, packs. Every command that writes records `--user` (default: the
operating-system user) in
the audit trail. Whoever has a shell on the server is trusted as an administrator: under
two-person approval (`CPIP_APPROVAL`) the command line checks only that approver and
uploader differ (by `--user`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import ClassVar

from cpip_dashboard import config
from cpip_dashboard.batches.pipeline import ImportReport, Outcome, run_import
from cpip_dashboard.imports.kinds import KINDS
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import BatchState


def _user(value: str | None) -> str:
    if value:
        return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments; `import --json` must still print one JSON object.
    `argv` is the command line being parsed (main's, else the process's)."""

    argv: ClassVar[tuple[str, ...]] = ()

    def error(self, message: str):
        argv = _Parser.argv
        if "import" in argv[:1] and "--json" in argv:
            print(json.dumps({"ok": False, "outcome": "unreadable", "file": None, "sha256": None,
                              "dry_run": "--dry-run" in argv, "batch_id": None,
                              "message": f"Bad arguments: {message}.", "sheets": [],
                              "errors": [], "warnings": []}))
            raise SystemExit(2)
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cpip_dashboard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    init = commands.add_parser("init-db", help="migrate the database to the latest schema")
    init.add_argument("--sample", action="store_true",
                      help="load the sample data if the database holds no batch yet")
    init.add_argument("--user")

    imp = commands.add_parser("import", help="check, preview and commit a spreadsheet")
    imp.add_argument("file", type=Path)
    imp.add_argument("--kind", choices=sorted(KINDS))
    imp.add_argument("--indicator")
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--json", action="store_true")
    imp.add_argument("--user")

    tpl = commands.add_parser("template", help="write the blank template for a sheet kind")
    tpl.add_argument("kind", choices=sorted(KINDS))
    tpl.add_argument("out", type=Path)
    tpl.add_argument("--current", action="store_true",
                     help="updates only: pre-filled with every current action")

    bat = commands.add_parser("batches", help="list upload batches, newest first")
    bat.add_argument("--json", action="store_true")

    rb = commands.add_parser("rollback", help="take a batch out of the current view")
    rb.add_argument("batch_id", type=int)
    rb.add_argument("--user")

    add_approval_commands(commands)

    aud = commands.add_parser("audit-disclosure",
                              help="rerun the disclosure audit over everything publishable")
    aud.add_argument("--json", action="store_true")

    fig = commands.add_parser("figures", help="every published figure of a data version")
    fig.add_argument("--version", type=int, metavar="N",
                     help="the data version (default: the current one)")
    out = fig.add_mutually_exclusive_group()
    out.add_argument("--csv", type=Path, metavar="OUT", help="write them as CSV to OUT")
    out.add_argument("--json", action="store_true")

    commands.add_parser("verify-audit", help="check that the audit trail's hash chain is whole")

    pk = commands.add_parser("pack", help="write the meeting pack (PDF), or an archived one")
    pk.add_argument("--meeting", type=_iso_date,
                    help="the latest meeting on or before this date (default: the latest)")
    pk.add_argument("--area", help="a council code or CPC id (default: Scotland)")
    pk.add_argument("--archived", type=int, metavar="ID",
                    help="write the archived pack ID byte for byte as circulated")
    pk.add_argument("--user")
    pk.add_argument("out", type=Path, nargs="?",
                    help="the PDF to write (default: NCPLG-pack-YYYY-MM-DD-AREA.pdf here)")

    pks = commands.add_parser("packs", help="list archived meeting packs, newest first")
    pks.add_argument("--meeting", type=_iso_date,
                     help="only the packs of the latest meeting on or before this date")
    pks.add_argument("--json", action="store_true")
    return parser


def _iso_date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def main(argv: list[str] | None = None) -> int:
    _Parser.argv = tuple(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    engine = make_engine(config.database_choice().url)
    try:
        return COMMANDS[args.command](args, engine)
    finally:
        engine.dispose()


def cmd_init_db(args, engine) -> int:
    from cpip_dashboard.batches.setup import init_db
    from cpip_dashboard.store.db import migrate

    before, after = migrate(engine)  # under the write lock: of several at once, one migrates
    if before != after:
        print(f"Migrated the database from {before or 'no schema'} to {after}.")
    report = init_db(engine, sample=args.sample, user=_user(args.user))
    print(f"Database {config.database_choice().label} is at the latest schema.")
    if args.sample:
        print(report.message if report else "Sample data not loaded: the database already "
              "holds batches.")
    return 0


def cmd_import(args, engine) -> int:
    from cpip_dashboard.store.db import migrate

    migrate(engine)
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        from cpip_dashboard.imports.problems import Problem

        message = f"{path} cannot be read: {exc.strerror or exc}."
        report = ImportReport(Outcome.UNREADABLE, path.name, "", args.dry_run, message,
                              errors=[Problem.error(None, None, None, None, message)])
    else:
        report = _guarded_import(engine, path.name, data, args)
    if args.json:
        print(json.dumps(report.as_json(), default=str))
    else:
        print_report(report)
    return report.exit_code


def _guarded_import(engine, name: str, data: bytes, args) -> ImportReport:
    """The pipeline, with whatever it did not foresee turned into `unreadable` (exit 2) and a
    sentence: the contract's one JSON object is printed whatever happens, never a traceback
    (the details go to the log on standard error, one line)."""
    import logging

    from sqlalchemy.exc import SQLAlchemyError

    from cpip_dashboard.imports.problems import Problem

    try:
        return run_import(engine, name, data, user=_user(args.user), kind=args.kind,
                          indicator=args.indicator, dry_run=args.dry_run,
                          max_mb=config.max_upload_mb(), approval=_approval_mode())
    except SQLAlchemyError as exc:
        logging.getLogger(__name__).error("import of %r: database error %s", name,
                                          type(exc).__name__)
        message = (f"The database could not complete this import ({type(exc).__name__}); "
                   "nothing was loaded. Try again; if it happens again, check the database.")
    except Exception as exc:  # noqa: BLE001 - the contract: one JSON object, never a traceback
        logging.getLogger(__name__).error("import of %r failed: %s: %s", name,
                                          type(exc).__name__, str(exc)[:200])
        message = (f"{name} could not be checked ({type(exc).__name__}); nothing was loaded. "
                   "Save the file again from Excel and retry; if it happens again, report it "
                   "with the file.")
    return ImportReport(Outcome.UNREADABLE, name, "", args.dry_run, message,
                        errors=[Problem.error(None, None, None, None, message)])


def print_report(report: ImportReport) -> None:
    print(report.message)
    for sheet in report.sheets:
        c = sheet["changes"]
        print(f"  {sheet['sheet']} ({sheet['kind']}): {sheet['rows']} rows - {c['added']} added, "
              f"{c['changed']} changed, {c['unchanged']} unchanged")
    for label, problems in (("Error", report.errors), ("Warning", report.warnings)):
        for p in problems:
            where = ", ".join(x for x in (
                f"sheet {p.sheet}" if p.sheet else "", f"row {p.row}" if p.row else "",
                f"column {p.column}" if p.column else "") if x)
            print(f"  {label}{' (' + where + ')' if where else ''}: {p.message}")


def cmd_template(args, engine) -> int:
    from cpip_dashboard.render.templates import current_actions, template_bytes
    from cpip_dashboard.store.db import migrate
    from cpip_dashboard.store.queries import current_indicators

    if args.current and args.kind != "updates":
        print(f"--current pre-fills the updates template only, not {args.kind}.",
              file=sys.stderr)
        return 2
    migrate(engine)
    with engine.connect() as conn:
        codes = sorted(current_indicators(conn))
        prefill = current_actions(conn) if args.current else None
    args.out.write_bytes(template_bytes(args.kind, codes or [], prefill))
    if prefill is None:
        print(f"Wrote the {args.kind} template to {args.out}.")
    else:
        print(f"Wrote the {args.kind} template pre-filled with {len(prefill)} current actions "
              f"to {args.out}.")
    return 0


def printable(text: object) -> str:
    """Text for a terminal: control characters (C0, DEL, C1: the escape codes that move the
    cursor, recolour or retitle a terminal) shown as \\xNN or \\uNNNN, never sent as such."""
    return "".join(ch if ch.isprintable() or ch == " " else
                   (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
                   for ch in str(text))


def cmd_batches(args, engine) -> int:
    from cpip_dashboard.store.db import migrate
    from cpip_dashboard.store.queries import batches

    migrate(engine)
    with engine.connect() as conn:
        rows = batches(conn, details=not args.json)
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print("No batches yet.")
    for b in rows:
        c = b["changes"]
        state = b["state"].replace("_", " ")
        if b["state"] == BatchState.REJECTED and b.get("withdrawn"):
            state = "withdrawn"
        flag = " [illustrative]" if b["illustrative"] else ""
        decided = (f"; approved by {b['approved_by']} at {b['approved_at']}"
                   if b.get("approved_by") else
                   f"; {state} by {b['rejected_by']}" + (f": {b['reason']}" if b['reason'] else "")
                   if b.get("rejected_by") else "")
        print(printable(f"{b['batch_id']:>4}  {b['committed_at']}  {state:<11} {b['file']}{flag}  "
                        f"by {b['user']}: {c['added']} added, {c['changed']} changed, "
                        f"{c['unchanged']} unchanged{decided}"))
    return 0


def cmd_rollback(args, engine) -> int:
    from cpip_dashboard.batches.rollback import rollback
    from cpip_dashboard.store.db import migrate

    migrate(engine)
    result = rollback(engine, args.batch_id, _user(args.user))
    print(result.message)
    return 0 if result.ok else 1


def add_approval_commands(commands) -> None:
    """`approve BATCH_ID [--user NAME]`, `reject BATCH_ID --reason TEXT [--user NAME]`."""
    ap = commands.add_parser("approve", help="make a batch awaiting approval current")
    ap.add_argument("batch_id", type=int)
    ap.add_argument("--user")
    rj = commands.add_parser("reject", help="refuse a batch awaiting approval, for good")
    rj.add_argument("batch_id", type=int)
    rj.add_argument("--reason", required=True)
    rj.add_argument("--user")


def _approval_mode() -> str | None:
    """`CPIP_APPROVAL` (else two-person when the secrets file configures sign-in); a bad value
    is passed on for the pipeline to refuse in a sentence (exit 2)."""
    from cpip_dashboard.batches.approval import configured_mode

    try:
        return configured_mode()
    except ValueError:
        import os

        return os.environ.get("CPIP_APPROVAL", "").strip().lower()


def cmd_approve(args, engine) -> int:
    from cpip_dashboard.batches.approval import approve
    from cpip_dashboard.store.db import migrate

    migrate(engine)
    result = approve(engine, args.batch_id, _user(args.user))
    print(result.message)
    return 0 if result.ok else 1


def cmd_reject(args, engine) -> int:
    from cpip_dashboard.batches.approval import reject
    from cpip_dashboard.store.db import migrate

    migrate(engine)
    result = reject(engine, args.batch_id, _user(args.user), args.reason)
    print(result.message)
    return 0 if result.ok else 1


def cmd_pack(args, engine) -> int:
    from cpip_dashboard.store.db import migrate
    from cpip_dashboard.views.pack import PackError, make_and_archive, pack_file

    if args.archived is not None and (args.meeting is not None or args.area is not None):
        print("--archived writes a pack as it was archived: give no --meeting or --area.",
              file=sys.stderr)
        return 2
    migrate(engine)
    if args.archived is not None:
        return _archived_pack(args, engine)
    area = (args.area or "S92000003").upper()
    try:
        day, pdf = make_and_archive(engine, args.meeting, area, _user(args.user))
    except PackError as exc:
        print(exc)
        return 1
    if args.out is None:
        with engine.connect() as conn:
            args.out = Path(pack_file(conn, day, area))
    args.out.write_bytes(pdf)
    print(f"Wrote the meeting pack as at {day.isoformat()} for {area} to "
          f"{args.out} ({len(pdf) / 1024:.0f} KB).")
    return 0


def _archived_pack(args, engine) -> int:
    """An archived pack byte for byte (recorded in the audit trail as a download)."""
    import hashlib

    from cpip_dashboard.store import audit
    from cpip_dashboard.views.pack import PackError, archived_packs, archived_pdf, pack_file

    try:
        with engine.connect() as conn:
            pdf = archived_pdf(conn, args.archived)
            if args.out is None:
                found = next(p for p in archived_packs(conn) if p.pack_id == args.archived)
                args.out = Path(pack_file(conn, found.meeting, found.area))
    except PackError as exc:
        print(exc)
        return 1
    args.out.write_bytes(pdf)
    audit.record(engine, _user(args.user), "download",
                 f"Archived meeting pack {args.archived} ({args.out.name})")
    print(f"Wrote archived meeting pack {args.archived} to {args.out} ({len(pdf):,} bytes, "
          f"sha256 {hashlib.sha256(pdf).hexdigest()}).")
    return 0


def cmd_packs(args, engine) -> int:
    from cpip_dashboard.store.db import migrate
    from cpip_dashboard.views.pack import archived_packs

    migrate(engine)
    with engine.connect() as conn:
        packs = archived_packs(conn, args.meeting)
    if args.json:
        print(json.dumps([p.as_json() for p in packs]))
        return 0
    if not packs:
        print("No archived meeting packs" + (" for that meeting." if args.meeting else "."))
    for p in packs:
        changed = "; the data has changed since" if p.data_changed else ""
        print(f"{p.pack_id:>4}  meeting {p.meeting.isoformat()}  {p.area:<9}  by {p.user} at "
              f"{p.created_at:%Y-%m-%d %H:%M} UTC  data version {p.data_version}{changed}  "
              f"{p.bytes:,} bytes  sha256 {p.sha256}")
    return 0


def cmd_audit_disclosure(args, engine) -> int:
    """The attacker problem over every figure the dashboard publishes now (and those of
    archived packs): exit 1 naming every cell that could be pinned down."""
    from cpip_dashboard.protection.publication import audit_current
    from cpip_dashboard.store.db import migrate

    migrate(engine)
    with engine.connect() as conn:
        result = audit_current(conn)
    if args.json:
        print(json.dumps(result))
        return 0 if result["ok"] else 1
    print(f"Data version {result['data_version']}: {result['cells']:,} figures, "
          f"{result['suppressed']:,} suppressed, {result['checked']:,} intervals checked "
          f"(a suppressed count is protected when it could be anything over a range at least "
          f"{result['threshold']} wide).")
    if result["ok"]:
        print("Every suppressed figure is protected.")
        return 0
    print(f"{len(result['unprotected'])} could be pinned down:")
    for cell in result["unprotected"]:
        low, high = cell["interval"]
        print(f"- {cell['indicator']} ({cell['measure']}) for {cell['area']}, period ending "
              f"{cell['period']}: between {low} and {high}"
              + (f" (through {', '.join(cell['relations'])})" if cell["relations"] else ""))
    return 1


FIGURE_FIELDS = ["indicator", "measure", "area", "period", "value", "symbol", "marker",
                 "status", "data_version"]


def cmd_figures(args, engine) -> int:
    """Every published figure of a data version, as shown: the whole publication as open
    data (CONTRACT.md `figures`); exit 1 when there is no such version."""
    import pandas as pd

    from cpip_dashboard.protection.publication import figures_of
    from cpip_dashboard.render.downloads import to_csv
    from cpip_dashboard.store.db import migrate

    migrate(engine)
    with engine.connect() as conn:
        rows = figures_of(conn, args.version)
    if rows is None:
        which = f"data version {args.version}" if args.version is not None else "publication"
        print(f"There is no {which}: see `batches` for what has been published.",
              file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows))
    elif args.csv:
        args.csv.write_bytes(to_csv(pd.DataFrame(rows, columns=FIGURE_FIELDS)))
        print(f"{len(rows):,} figures of data version {rows[0]['data_version'] if rows else '-'}"
              f" written to {args.csv}.")
    else:
        for row in rows:
            shown = row["symbol"] if row["value"] is None else row["value"]
            print(f"{row['indicator']}\t{row['measure']}\t{row['area']}\t{row['period']}\t"
                  f"{shown if shown is not None else ''}{row['marker'] or ''}")
    return 0


def cmd_verify_audit(args, engine) -> int:
    """Every audit row's hash chains to the one before: exit 0 whole; 1 naming the first row
    that breaks the chain."""
    from cpip_dashboard.store import audit
    from cpip_dashboard.store.db import migrate

    migrate(engine)
    with engine.connect() as conn:
        verdict = audit.verify(conn)
    print(verdict.message)
    return 0 if verdict.ok else 1


COMMANDS = {"init-db": cmd_init_db, "audit-disclosure": cmd_audit_disclosure,
            "figures": cmd_figures, "verify-audit": cmd_verify_audit,
            "import": cmd_import, "template": cmd_template,
            "batches": cmd_batches, "rollback": cmd_rollback, "pack": cmd_pack,
            "packs": cmd_packs, "approve": cmd_approve, "reject": cmd_reject}
