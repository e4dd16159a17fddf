"""The Definitions sheet's `Relation` column (CONTRACT.md "definitions"): its forms as read
(`relation_forms`), the rules that need the other definitions, and what an upload stores, on
SQLite and PostgreSQL; migration 0007 gives indicators uploaded before it `none`."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.config import PROJECT_ROOT
from cpip_dashboard.imports import preview
from cpip_dashboard.imports.checks import RELATION_REQUIRED, relation_problem
from cpip_dashboard.imports.worker import read_file
from cpip_dashboard.render.templates import template_bytes
from cpip_dashboard.rules.relation_forms import Declared, parse
from cpip_dashboard.store import queries
from cpip_dashboard.store.db import make_engine, migrate, write_transaction
from cpip_dashboard.store.models import Indicator, UploadBatch
from tests.conftest import as_role, fresh_engine
from tests.files import xlsx
from tests.snapshots import snapshot

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("relations")

DEFINITIONS = ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source",
               "Relation"]

# --- the forms, as read ---------------------------------------------------------------------

PARSED = [
    (None, None),
    ("", None),
    ("   ", None),
    ("none", Declared("none", ())),
    ("NONE", Declared("none", ())),
    ("part of CP_REGISTER", Declared("part", ("CP_REGISTER",))),
    ("Part  Of cp_register", Declared("part", ("CP_REGISTER",))),
    ("rate of CP_REGISTER", Declared("rate", ("CP_REGISTER",))),
    ("RATE OF cp_calls", Declared("rate", ("CP_CALLS",))),
    ("sum of CP_REGISTRATIONS over 2 periods", Declared("over_periods", ("CP_REGISTRATIONS",), 2)),
    ("Sum of cp_calls over 12 Periods", Declared("over_periods", ("CP_CALLS",), 12)),
    ("sum of CONCERN_NEGLECT, CONCERN_CSE", Declared("sum", ("CONCERN_NEGLECT", "CONCERN_CSE"))),
    ("sum of a_one,B_TWO ,c3", Declared("sum", ("A_ONE", "B_TWO", "C3"))),
]


@pytest.mark.parametrize("text,expected", PARSED)
def test_forms_are_read_in_any_case(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text,expected", [(t, e) for t, e in PARSED if e is not None])
def test_canonical_text_reads_back_as_the_same_relation(text, expected):
    canonical = expected.text()
    assert parse(canonical) == expected
    assert canonical == canonical.strip() and "  " not in canonical


@pytest.mark.parametrize("declared,text", [
    (Declared("none", ()), "none"),
    (Declared("part", ("CP_REGISTER",)), "part of CP_REGISTER"),
    (Declared("rate", ("CP_REGISTER",)), "rate of CP_REGISTER"),
    (Declared("over_periods", ("CP_REGISTRATIONS",), 2), "sum of CP_REGISTRATIONS over 2 periods"),
    (Declared("sum", ("A", "B", "C")), "sum of A, B, C"),
])
def test_canonical_text(declared, text):
    assert declared.text() == text


@pytest.mark.parametrize("text,fragment", [
    ("nothing", "is not a relation: use one of"),
    ("part CP_REGISTER", "is not a relation"),
    ("part of", "is not a relation"),
    ("rate of CP REGISTER", "is not a relation"),
    ("sum of CP_REGISTER over 1 periods", "a whole number, 2 or more"),
    ("sum of CP_REGISTER over two periods", "a whole number, 2 or more"),
    ("sum of CP_REGISTER over 2.5 periods", "a whole number, 2 or more"),
    ("sum of CP_REGISTER", "two or more indicators"),
    ("sum of CP_REGISTER, ", "is not a relation"),
    ("sum of CP_REGISTER, CP_REGISTER", "each indicator once"),
    ("sum of CP_REGISTER and IRD", "is not a relation"),
    ("none of CP_REGISTER", "is not a relation"),
])
def test_malformed_relations_are_one_sentence(text, fragment):
    with pytest.raises(ValueError) as raised:
        parse(text)
    message = str(raised.value)
    assert fragment in message and "\n" not in message


# --- the rules that need the other definitions ------------------------------------------------

KNOWN = {"CP_REGISTER": {"unit": "count", "frequency": "annual"},
         "CP_REGISTRATIONS": {"unit": "count", "frequency": "annual"},
         "CP_REGISTER_RATE": {"unit": "rate per 1,000", "frequency": "annual"},
         "SHARE": {"unit": "percent", "frequency": "annual"},
         "CALLS": {"unit": "count", "frequency": "monthly"}}

RULES = [  # (relation, code, unit, frequency, fragment or None when it holds)
    ("none", "NEW", "count", "annual", None),
    ("part of CP_REGISTER", "NEW", "count", "annual", None),
    ("part of CP_REGISTER", "NEW", "percent", "annual", None),
    ("rate of CP_REGISTER", "NEW", "rate per 1,000", "annual", None),
    ("sum of CP_REGISTRATIONS over 2 periods", "NEW", "count", "annual", None),
    ("sum of CP_REGISTER, CP_REGISTRATIONS", "NEW", "count", "annual", None),
    ("part of NOPE", "NEW", "count", "annual", "NOPE is not a known indicator code"),
    ("part of CP_REGISTR", "NEW", "count", "annual", "did you mean CP_REGISTER"),
    ("sum of CP_REGISTER, NOPE", "NEW", "count", "annual", "NOPE is not a known"),
    ("part of NEW", "NEW", "count", "annual", "cannot be related to itself"),
    ("sum of CP_REGISTER, NEW", "NEW", "count", "annual", "cannot be related to itself"),
    ("rate of CP_REGISTER", "NEW", "count", "annual",
     "`rate of` is for a rate per 1,000 indicator, and this one is a count"),
    ("rate of CP_REGISTER", "NEW", "percent", "annual", "this one is a percent"),
    ("rate of CP_REGISTER_RATE", "NEW", "rate per 1,000", "annual",
     "names count indicators, and CP_REGISTER_RATE is a rate per 1,000"),
    ("rate of SHARE", "NEW", "rate per 1,000", "annual", "SHARE is a percent"),
    ("part of CP_REGISTER", "NEW", "rate per 1,000", "annual",
     "`part of` is for a count or a percentage"),
    ("part of SHARE", "NEW", "count", "annual", "SHARE is a percent"),
    ("sum of CP_REGISTER_RATE over 2 periods", "NEW", "count", "annual",
     "CP_REGISTER_RATE is a rate per 1,000"),
    ("sum of CALLS over 3 periods", "NEW", "count", "quarterly",
     "CALLS is monthly and this indicator is quarterly"),
    ("sum of CP_REGISTER, SHARE", "NEW", "count", "annual", "SHARE is a percent"),
    ("sum of CP_REGISTER, CALLS", "NEW", "count", "annual", "CALLS is monthly"),
    ("sum of CP_REGISTER, CP_REGISTRATIONS", "NEW", "percent", "annual",
     "`sum of` is for a count indicator"),
]


@pytest.mark.parametrize("relation,code,unit,frequency,fragment", RULES)
def test_relation_rules(relation, code, unit, frequency, fragment):
    problem = relation_problem(parse(relation), code, unit, frequency, KNOWN)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None and fragment in problem, problem
        assert problem.startswith(parse(relation).text())


# --- uploads ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_engine(request, databases):
    """One empty database per kind for the refused files (nothing is written: proved below)."""
    with fresh_engine(databases, request.param, sample=False) as engine:
        yield engine


def definition(code: str, unit: str = "count", relation: str | None = None,
               frequency: str = "annual") -> list[object]:
    return [code, f"Indicator {code}", unit, frequency, "Defined for a test", "neither",
            "Test source", relation]


REFUSED = {  # case -> (rows of the Definitions sheet, (row, fragment))
    "new count, blank": ([DEFINITIONS, definition("CP_NEW")], (2, RELATION_REQUIRED)),
    "new rate, blank": ([DEFINITIONS, definition("CP_NEW", "rate per 1,000")],
                        (2, RELATION_REQUIRED)),
    "new percent, blank": ([DEFINITIONS, definition("CP_NEW", "percent")],
                           (2, RELATION_REQUIRED)),
    "malformed": ([DEFINITIONS, definition("CP_NEW", relation="half of CP_REGISTER")],
                  (2, "is not a relation")),
    "unknown code": ([DEFINITIONS, definition("CP_NEW", relation="part of CP_NOPE")],
                     (2, "CP_NOPE is not a known indicator code")),
    "itself": ([DEFINITIONS, definition("CP_NEW", relation="part of cp_new")],
               (2, "cannot be related to itself")),
    "rate of, on a count": ([DEFINITIONS, definition("CP_NEW", relation="rate of CP_REGISTER")],
                            (2, "`rate of` is for a rate per 1,000")),
    "rate of a rate": ([DEFINITIONS, definition("CP_NEW", "rate per 1,000",
                                                "rate of CP_REGISTER_RATE")],
                       (2, "CP_REGISTER_RATE is a rate per 1,000")),
    "sum of a non-count": ([DEFINITIONS, definition("CP_NEW", relation="sum of IRD, "
                                                    "CP_REGISTER_RATE")],
                           (2, "CP_REGISTER_RATE is a rate per 1,000")),
    "over periods, other frequency": (
        [DEFINITIONS, definition("CP_NEW", relation="sum of CP_REGISTRATIONS over 4 periods",
                                 frequency="quarterly")],
        (2, "CP_REGISTRATIONS is annual and this indicator is quarterly")),
    "second row of a sheet": ([DEFINITIONS, definition("CP_A", relation="none"),
                               definition("CP_B", relation="part of CP_A, CP_B")],
                              (3, "is not a relation")),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_relation_that_cannot_hold_is_refused_on_its_row(shared_engine, case):
    rows, (row, fragment) = REFUSED[case]
    report = run_import(shared_engine, "d.xlsx", xlsx({"Definitions": rows}), user="tester",
                        dry_run=True)
    assert report.outcome == "rejected" and report.exit_code == 1
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [
        ("Definitions", row, "Relation")], [e.as_json() for e in report.errors]
    assert fragment in report.errors[0].message


def test_without_the_column_a_new_indicator_is_refused(shared_engine):
    rows = [DEFINITIONS[:-1], definition("CP_NEW")[:-1]]
    before = snapshot(shared_engine)
    report = run_import(shared_engine, "d.xlsx", xlsx({"Definitions": rows}), user="tester")
    assert report.outcome == "rejected"
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "Relation", RELATION_REQUIRED)]
    assert snapshot(shared_engine) == before


def test_a_known_indicator_may_leave_it_blank(shared_engine):
    """Built-ins keep no relation of their own (relations.csv applies)."""
    rows = [DEFINITIONS, [*definition("CP_REGISTRATIONS")[:5], "lower is better",
                          "Test source", None]]
    report = run_import(shared_engine, "d.xlsx", xlsx({"Definitions": rows}), user="tester",
                        dry_run=True)
    assert report.outcome == "would_commit", report.as_json()
    assert report.changes[0].records.columns["relation"] == [None]


def test_stored_relations_and_the_fields_figures_read(engine):
    """Every form stored as its canonical text; `rate of` gives the numerator, a percentage's
    `part of` its base; a code defined further down the same sheet may be named; a new
    version left blank keeps its relation, and shows no change of it."""
    rows = [DEFINITIONS,
            definition("CP_SHARE", "percent", "PART OF cp_two_year"),
            definition("CP_TWO_YEAR", relation="sum of cp_registrations over 2 periods"),
            definition("CP_TWO_YEAR_RATE", "rate per 1,000", "rate of CP_TWO_YEAR"),
            definition("CP_BOTH", relation="sum of CP_REGISTRATIONS, CP_DEREGISTRATIONS"),
            definition("CP_PART", relation="part of CP_REGISTER"),
            definition("CP_ALONE", relation="None")]
    report = run_import(engine, "d.xlsx", xlsx({"Definitions": rows}), user="tester")
    assert report.outcome == "committed", report.as_json()
    added = preview.frames(preview.snapshot(report))["added"]
    assert list(added["Relation"]) == [
        "part of CP_TWO_YEAR", "sum of CP_REGISTRATIONS over 2 periods", "rate of CP_TWO_YEAR",
        "sum of CP_REGISTRATIONS, CP_DEREGISTRATIONS", "part of CP_REGISTER", "none"]
    with engine.connect() as conn:
        current = queries.current_indicators(conn)
    stored = {code: (current[code]["relation"], current[code]["numerator"],
                     current[code]["denominator"])
              for code in ("CP_SHARE", "CP_TWO_YEAR", "CP_TWO_YEAR_RATE", "CP_BOTH", "CP_PART",
                           "CP_ALONE")}
    assert stored == {
        "CP_SHARE": ("part of CP_TWO_YEAR", None, "CP_TWO_YEAR"),
        "CP_TWO_YEAR": ("sum of CP_REGISTRATIONS over 2 periods", None, None),
        "CP_TWO_YEAR_RATE": ("rate of CP_TWO_YEAR", "CP_TWO_YEAR", "children aged 0-17"),
        "CP_BOTH": ("sum of CP_REGISTRATIONS, CP_DEREGISTRATIONS", None, None),
        "CP_PART": ("part of CP_REGISTER", None, None),
        "CP_ALONE": ("none", None, None)}
    assert current["CP_REGISTER"]["relation"] is None  # built-in

    renamed = [DEFINITIONS, [*definition("CP_PART")[:1], "Part of the register",
                             *definition("CP_PART")[2:7], None]]
    again = run_import(engine, "d2.xlsx", xlsx({"Definitions": renamed}), user="tester")
    assert again.outcome == "committed", again.as_json()
    assert [c for c in preview.frames(preview.snapshot(again))["changed"]["Column"]] == ["Name"]
    with engine.connect() as conn:
        assert queries.current_indicators(conn)["CP_PART"]["relation"] == "part of CP_REGISTER"
    changed = [DEFINITIONS, [*renamed[1][:7], "none"]]
    report = run_import(engine, "d3.xlsx", xlsx({"Definitions": changed}), user="tester",
                        dry_run=True)
    assert [(c["Column"], c["Old"], c["New"]) for c in preview.frames(preview.snapshot(report))["changed"].to_dict(
        "records")] == [("Relation", "part of CP_REGISTER", "none")]


def test_migration_gives_earlier_uploads_none(db_url):
    """Down to 0005, an indicator uploaded then (and a new version of a built-in), up again:
    the uploaded indicator counts as `none`; built-ins, uploaded or not, keep no relation."""


    # migrations are the owner's (on PostgreSQL the tests' own role is the app's)
    engine = make_engine(as_role(db_url, "owner") if db_url.startswith("postgresql") else db_url)
    try:
        cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
        cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
        with write_transaction(engine) as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005_published_figure_area_index")
        columns = ["code", "name", "unit", "frequency", "definition", "polarity", "source",
                   "batch_id"]
        table = Indicator.__table__
        with write_transaction(engine) as conn:
            batch = conn.execute(insert(UploadBatch.__table__).values(
                file_name="old.xlsx", sha256="0" * 64, kinds="definitions", uploaded_by="t",
                committed_at=dt.datetime(2026, 1, 1), changes_json="{}", illustrative=False, state="committed"
            )).inserted_primary_key[0]
            for code in ("CP_OLD", "CP_REGISTRATIONS"):
                conn.execute(insert(table).values(dict(zip(columns, [
                    code, code, "count", "annual", "d", "neither", "s", batch], strict=True))))

        assert migrate(engine)[1] == ScriptDirectory.from_config(cfg).get_current_head()
        with engine.connect() as conn:
            found = dict(conn.execute(select(Indicator.code, Indicator.relation).where(
                Indicator.batch_id == batch)).all())
            builtin = set(conn.execute(select(Indicator.relation).where(
                Indicator.batch_id.is_(None))).scalars())
        assert found == {"CP_OLD": "none", "CP_REGISTRATIONS": None}
        assert builtin == {None}
    finally:
        engine.dispose()


def test_the_definitions_template_has_the_column_and_its_forms():
    sheets = {s.name: s.rows for s in read_file(
        "t.xlsx", template_bytes("definitions", ["CP_REGISTER"]), 20)}
    assert sheets["Definitions"][0][-1] == "Relation"
    note = next(row for row in sheets["Notes"] if row and row[0] == "Relation")
    assert note[1] == "no"
    for form in ("none", "part of CODE", "rate of CODE", "sum of CODE over N periods",
                 "sum of CODE, CODE, ..."):
        assert form in note[3], form
    source = next(row for row in {s.name: s.rows for s in read_file(
        "p.xlsx", template_bytes("populations", []), 20)}["Notes"] if row and row[0] == "Source")
    assert "NRS mid-year population estimates" in source[3]
