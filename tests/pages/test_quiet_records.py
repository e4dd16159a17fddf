"""Records the sample never produces (issue 11): small valid records loaded through the import
pipeline - a few actions, meetings and updates in any order, none moving, all complete, no
updates at all, a review of one area - then the package functions the Briefing, the Action
register and the Planning review call. No exception, and the invariants hold: the Briefing's
counts add up to the register's rows, every action appears once, movement categories add up to
the actions compared. The expected statuses come from the generated records, not from the code.

Then a few pages (AppTest through app.py) and `pack` on a quiet meeting and on one action.

Every batch is committed now (2026 or later) and every meeting is in 2018-2019, so as at a
meeting an action is listed once it has an update on or before the meeting's day (its
definition is not yet committed then; CONTRACT.md "Time, keys and versions").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cpip_dashboard import cli
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.imports.reading import RawSheet
from cpip_dashboard.rules import rag, register, review
from cpip_dashboard.store import queries
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.reference import directory
from cpip_dashboard.views import common
from tests.apptest import assert_frame_ran, tables, texts
from tests.pdf import pdf_text

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("quiet_records")

D = dt.date
FIRST, LAST = D(2018, 1, 1), D(2019, 12, 31)
REFS = ("NEG-1", "CSE-2", "DATA-3", "SYS-4")
FIFE = "S12000047"
CRITERIA = tuple(f"PR-{i:02d}" for i in range(1, 6))
# examples and seeding from the profile (tests/conftest.py: `ci` derandomised, `dev` explores)
PROPERTY = settings(suppress_health_check=[HealthCheck.too_slow])


# --- records and how they are loaded -----------------------------------------------------------


@dataclass(frozen=True)
class Update:
    ref: str
    day: dt.date
    rag: str
    commentary: str | None = "Reported"
    revised: dt.date | None = None


@dataclass(frozen=True)
class Records:
    """Actions (ref -> due date), meetings and updates, in the order their rows are written;
    `split` loads them as one file (False) or as three uploads: actions, updates, meetings."""
    actions: dict[str, dt.date | None]
    meetings: tuple[dt.date, ...] = ()
    updates: tuple[Update, ...] = ()
    split: bool = False


@dataclass(frozen=True)
class Assessment:
    criterion: str
    assessed_on: dt.date
    rating: str
    recommendation: str | None = None
    progress: str | None = None


@dataclass(frozen=True)
class Review:
    """One area's assessments; `later` are uploaded again in a second batch (new progress)."""
    rows: tuple[Assessment, ...]
    later: tuple[Assessment, ...] = field(default=())


def sheet(name: str, headers: list[str], rows: list[list[object]]) -> RawSheet:
    return RawSheet(name, [headers, *[["" if v is None else v for v in row] for row in rows]])


def record_sheets(records: Records) -> list[list[RawSheet]]:
    """The records as uploads (each a list of sheets) in the upload templates' layout."""
    actions = sheet("Actions", ["Action ID", "Workstream", "Action", "Lead", "Area", "Due date"],
                    [[ref, ref.split("-")[0], f"Action {ref}", "Scottish Government",
                      "S92000003", due] for ref, due in records.actions.items()])
    updates = sheet("Updates", ["Action ID", "Reporting date", "RAG", "Commentary",
                                "Revised due date"],
                    [[u.ref, u.day, u.rag, u.commentary, u.revised] for u in records.updates])
    meetings = sheet("Meetings", ["Date", "Title"],
                     [[day, "Leadership Group"] for day in records.meetings])
    uploads = [[actions], [updates], [meetings]] if records.split else [
        [actions, updates, meetings]]
    return [[s for s in upload if len(s.rows) > 1] for upload in uploads]


def load(url: str, uploads: list[list[RawSheet]]) -> None:
    engine = make_engine(url)
    try:
        for i, sheets in enumerate(uploads):
            if not sheets:
                continue
            report = run_import(engine, f"records-{i}.xlsx", sheets=sheets, user="test")
            assert report.outcome == "committed", (report.message,
                                                   [p.message for p in report.errors])
    finally:
        engine.dispose()


def review_sheets(data: Review) -> list[list[RawSheet]]:
    def rows(assessments):
        return [[FIFE, a.criterion, a.rating, a.assessed_on, a.recommendation, a.progress]
                for a in assessments]
    headers = ["Area", "Criterion", "Rating", "Assessed on", "Recommendation", "Progress"]
    return [[sheet("Review", headers, rows(data.rows))],
            [sheet("Review", headers, rows(data.later))] if data.later else []]


@pytest.fixture(scope="module")
def fresh(databases, tmp_path_factory):
    """A new empty SQLite database (a file copy) per call; deleted after the example."""
    made: list[Path] = []

    def make() -> str:
        for old in made:
            old.unlink(missing_ok=True)
        made.clear()
        url = databases.fresh("sqlite", sample=False)
        made.append(Path(url.removeprefix("sqlite:///")))
        return url
    yield make
    for old in made:
        old.unlink(missing_ok=True)


# --- what the records say, worked out without the package -----------------------------------


def status_at(records: Records, day: dt.date) -> dict[str, str]:
    """Each listed action's status as at `day`: its latest update on or before the day."""
    latest: dict[str, Update] = {}
    for u in records.updates:
        if u.day <= day and (u.ref not in latest or u.day > latest[u.ref].day):
            latest[u.ref] = u
    return {ref: u.rag for ref, u in latest.items()}


def stale_at(records: Records, day: dt.date, previous: dt.date | None) -> set[str]:
    status = status_at(records, day)
    started = {u.ref for u in records.updates if u.day <= day and u.rag != "Not started"}
    counting = {u.ref for u in records.updates
                if u.day <= day and (previous is None or u.day > previous)}
    return {ref for ref in started if status[ref] != "Complete" and ref not in counting}


# --- strategies -------------------------------------------------------------------------------


days = st.dates(FIRST, LAST)


@st.composite
def action_records(draw) -> Records:
    refs = draw(st.lists(st.sampled_from(REFS), min_size=1, max_size=4, unique=True))
    shape = draw(st.sampled_from(["any", "none moving", "all complete", "no updates"]))
    updates = []
    for ref in refs:
        fixed = draw(st.sampled_from(rag.NAMES))
        when = draw(st.lists(days, max_size=0 if shape == "no updates" else 3, unique=True))
        for day in when:
            status = {"any": draw(st.sampled_from(rag.NAMES)), "none moving": fixed,
                      "all complete": "Complete"}[shape]
            says = status in rag.ATTENTION or draw(st.booleans())
            updates.append(Update(ref, day, status, "Reported" if says else None,
                                  draw(st.none() | days)))
    return Records(
        actions={ref: draw(st.none() | st.dates(FIRST, D(2020, 12, 31))) for ref in refs},
        meetings=tuple(draw(st.permutations(draw(st.lists(days, max_size=3, unique=True))))),
        updates=tuple(draw(st.permutations(updates))), split=draw(st.booleans()))


# Found by hand and by Hypothesis; kept as regression cases.
QUIET = Records(  # nothing moved since the previous meeting (raised in moved_actions)
    actions={"NEG-1": D(2019, 1, 1)}, meetings=(D(2018, 6, 21), D(2018, 10, 2)),
    updates=(Update("NEG-1", D(2018, 6, 1), "Green"), Update("NEG-1", D(2018, 9, 1), "Green")))
NO_UPDATES = Records(actions={"NEG-1": None, "CSE-2": D(2018, 3, 1)},
                     meetings=(D(2018, 6, 21), D(2018, 10, 2)))
ONE_ACTION_NO_MEETINGS = Records(actions={"SYS-4": None},
                                 updates=(Update("SYS-4", D(2018, 5, 1), "Red"),))
GONE_BACK = Records(  # Green -> Not started fell through to "unchanged"
    actions={"NEG-1": None}, meetings=(D(2018, 6, 21), D(2018, 10, 2)),
    updates=(Update("NEG-1", D(2018, 6, 1), "Green"),
             Update("NEG-1", D(2018, 9, 1), "Not started", None)))
FOUND_QUIET = Records(  # Hypothesis's own shrunk case of the moved_actions crash
    actions={"NEG-1": None, "CSE-2": None}, meetings=(D(2018, 1, 1), D(2018, 1, 2)),
    updates=(Update("NEG-1", D(2018, 1, 1), "Complete", None),))
SILENT_COMPLETE = Records(  # Complete, then a meeting with no update counting for it
    actions={"CSE-2": None}, meetings=(D(2018, 10, 2), D(2018, 6, 21), D(2019, 1, 29)),
    updates=(Update("CSE-2", D(2018, 6, 1), "Amber"), Update("CSE-2", D(2018, 9, 1), "Complete")),
    split=True)
STALE = Records(  # a meeting with no update counting for it: started actions are stale
    # (NEG-1 is Green: only its Stale flag puts it in "needs attention", issue 24)
    actions={"NEG-1": None, "CSE-2": None, "DATA-3": None},
    meetings=(D(2018, 6, 21), D(2018, 10, 2)),
    updates=(Update("NEG-1", D(2018, 6, 1), "Green"), Update("CSE-2", D(2018, 6, 1), "Complete"),
             Update("DATA-3", D(2018, 6, 1), "Not started", None)))


@PROPERTY
@given(records=action_records())
@example(records=QUIET)
@example(records=FOUND_QUIET)
@example(records=NO_UPDATES)
@example(records=ONE_ACTION_NO_MEETINGS)
@example(records=GONE_BACK)
@example(records=SILENT_COMPLETE)
@example(records=STALE)
def test_briefing_and_register_hold_on_any_small_register(fresh, records):
    url = fresh()
    load(url, record_sheets(records))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            meeting_days = sorted(records.meetings)
            for chosen in [None, *meeting_days]:
                check_as_at(records, common.register_as_at(conn, chosen), meeting_days)
    finally:
        engine.dispose()


def check_as_at(records: Records, data: dict, meeting_days: list[dt.date]) -> None:
    now, before = data["now"], data["before"]
    day = data["meeting"]
    if day is None:  # no meeting loaded: as at today, every action is in the programme
        assert not meeting_days
        expected = {ref: "Not started" for ref in records.actions} | status_at(records, D.today())
    else:
        expected = status_at(records, day)
    # every action appears once, with the status its records give
    assert list(now["ref"]) == sorted(set(now["ref"]))
    assert dict(zip(now["ref"], now["rag"], strict=True)) == expected

    # the Briefing's counts add up to the register's rows and agree with the records
    counts = register.counts(now)
    assert sum(counts.values()) == len(now)
    assert counts == {name: list(expected.values()).count(name) for name in rag.NAMES}
    headline = register.headline_sentence(
        counts, None if before is None else register.counts(before), data["previous"])
    assert headline.startswith(f"{counts['Red'] + counts['Amber']} of {len(now)} actions")

    # movement: one row per action compared, categories add up, only the same is unchanged
    moved = register.movement(now, before)
    assert list(moved["ref"]) == list(now["ref"])
    assert set(moved["movement"]) <= set(register.MOVEMENTS)
    previous = {} if before is None else dict(zip(before["ref"], before["rag"], strict=True))
    for row in moved.itertuples(index=False):
        assert (row.movement == "new") == (row.ref not in previous)
        assert (row.movement == "unchanged") == (previous.get(row.ref) == row.to)
    if data["previous"] is not None:
        sentence = register.movement_sentence(moved, data["previous"])
        tally = [int(n) for n in re.findall(r"(\d+) [a-z]+", sentence.split(": ", 1)[1])]
        assert sum(tally) == len(now)
    table = register.moved_actions(moved, now)
    assert list(table.columns) == ["Ref", "Action", "From", "To", "Movement"]
    assert list(table["Ref"]) == list(moved.loc[moved["movement"] != "unchanged", "ref"])
    assert not table.isna().any().any()

    # needs attention: Red, Amber, overdue or stale, each once; a Complete action never stale
    stale = {ref for ref, flags in zip(now["ref"], now["flags"], strict=True) if "Stale" in flags}
    previous_day = max((m for m in meeting_days if day and m < day), default=None)
    assert stale == stale_at(records, day or D.today(), previous_day)
    assert not stale & {ref for ref, status in expected.items() if status == "Complete"}
    attention = register.exceptions(now)
    assert len(set(attention["ref"])) == len(attention)
    assert {r for r, s in expected.items() if s in rag.ATTENTION} | stale <= set(attention["ref"])

    # the Action register's table: one row per action
    table = register.register_table(now, {}, queries_directory())
    assert list(table["Ref"]) == list(now["ref"])


_DIRECTORY = []


def queries_directory():
    if not _DIRECTORY:
        _DIRECTORY.append(directory())
    return _DIRECTORY[0]


# --- the planning review of one area --------------------------------------------------------


@st.composite
def one_area_reviews(draw) -> Review:
    criteria = draw(st.lists(st.sampled_from(CRITERIA), min_size=1, max_size=5, unique=True))
    rows = []
    for code in criteria:
        for assessed in draw(st.lists(days, min_size=1, max_size=2, unique=True)):
            recommendation = draw(st.none() | st.just(f"Improve {code}"))
            rows.append(Assessment(code, assessed, draw(st.sampled_from(review.RATINGS)),
                                   recommendation,
                                   draw(st.sampled_from([None, "Not started", "In progress",
                                                         "Done"]))))
    later = [Assessment(a.criterion, a.assessed_on, a.rating, a.recommendation, "Done")
             for a in rows if a.recommendation and a.progress != "Done" and draw(st.booleans())]
    return Review(tuple(draw(st.permutations(rows))), tuple(later))


ALL_DONE = Review(rows=(  # two weak ratings, every recommendation done: the area needs support
    Assessment("PR-01", D(2018, 6, 1), "Weak", "Improve PR-01", "Done"),
    Assessment("PR-02", D(2018, 6, 1), "Unsatisfactory", "Improve PR-02", "Done")))
NO_RECOMMENDATION = Review(rows=(Assessment("PR-03", D(2018, 6, 1), "Weak"),
                                 Assessment("PR-04", D(2018, 7, 1), "Weak")))
DONE_LATER = Review(  # found by Hypothesis: a recommendation done in a later upload was dropped
    rows=(Assessment("PR-01", D(2018, 1, 1), "Excellent"),
          Assessment("PR-02", D(2018, 1, 2), "Weak", "Improve PR-02"),
          Assessment("PR-03", D(2018, 1, 2), "Weak", "Improve PR-03")),
    later=(Assessment("PR-03", D(2018, 1, 2), "Weak", "Improve PR-03", "Done"),))
BLANK_THEN_DONE = Review(  # found by Hypothesis: progress as at a day, blank then, was a float
    rows=(Assessment("PR-01", D(2018, 1, 1), "Excellent", "Improve PR-01"),
          Assessment("PR-01", D(2018, 1, 2), "Excellent")),
    later=(Assessment("PR-01", D(2018, 1, 1), "Excellent", "Improve PR-01", "Done"),))


@PROPERTY
@given(data=one_area_reviews(), day=st.none() | days)
@example(data=ALL_DONE, day=D(2018, 10, 2))
@example(data=NO_RECOMMENDATION, day=None)
@example(data=BLANK_THEN_DONE, day=D(2018, 1, 1))
@example(data=DONE_LATER, day=None)
def test_review_of_one_area_holds(fresh, data, day):
    url = fresh()
    load(url, review_sheets(data))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows, criteria = queries.review_assessments(conn), queries.criteria(conn)
    finally:
        engine.dispose()
    current = review.as_at(rows, day)
    # the rating of each criterion is the latest assessed on or before the day
    expected = {}
    for a in sorted(data.rows, key=lambda a: a.assessed_on):
        if day is None or a.assessed_on <= day:
            expected[a.criterion] = a
    assert dict(zip(current["criterion_code"], current["rating"], strict=True)) == {
        code: a.rating for code, a in expected.items()}
    # the area needs support exactly when two or more ratings are Weak or Unsatisfactory
    weak = sum(a.rating in review.WEAK for a in expected.values())
    support = review.needing_support(current)
    assert (FIFE in set(support["area_code"])) == (weak >= review.NEEDS_SUPPORT_AT)
    if weak >= review.NEEDS_SUPPORT_AT:
        assert {r for r in support["recommendation"] if isinstance(r, str)} == {
            a.recommendation for a in expected.values() if a.recommendation}
    # progress counts add up to the recommendations listed
    today = day or D.today()
    counts = review.progress(current, today)
    recs = review.recommendations_table(current, today, queries_directory())
    assert counts["Not started"] + counts["In progress"] + counts["Done"] == len(recs)
    assert counts["Overdue"] <= len(recs)
    themes = review.themes(current, criteria)
    assert int(themes["weak"].sum()) == weak and int(themes["assessed"].sum()) == len(expected)
    assert review.describe_themes(themes)
    table = review.matrix(current, queries_directory(), list(criteria["code"]))
    assert len(table) == (1 if expected else 0)


# --- pages and the pack on quiet records ---------------------------------------------------


def page(make_app, url: str, path: str | None, query: dict | None = None):
    at = make_app(url, page=path, query=query)
    assert_frame_ran(at)
    return at



def test_briefing_on_a_quiet_meeting(make_app, fresh):
    url = fresh()
    load(url, record_sheets(QUIET))
    at = page(make_app, url, None)
    body = texts(at)
    assert "Programme status at 2 October 2018" == at.title[0].value
    assert "No action changed status." in body
    assert "Since 21 June 2018: 0 new, 0 completed, 0 improved, 0 started, 0 worsened; " \
           "1 unchanged." in body


def test_briefing_and_register_with_no_updates_at_all(make_app, fresh):
    url = fresh()
    load(url, record_sheets(NO_UPDATES))
    at = page(make_app, url, None)
    assert {m.label.split(" ", 1)[1]: int(m.value) for m in at.metric} == {
        name: 0 for name in rag.NAMES}  # no action has an update by the meeting
    at = page(make_app, url, "pages/actions.py")
    assert "0 of 0 actions as at 2 October 2018." in texts(at)


def test_register_stale_filter_on_a_meeting_with_no_updates(make_app, fresh):
    url = fresh()
    load(url, record_sheets(STALE))
    at = page(make_app, url, "pages/actions.py")
    at.multiselect(key="actions-flags").set_value(["Stale"]).run()
    assert not at.exception
    assert list(tables(at)[0]["Ref"]) == ["NEG-1"]  # not Complete, not Not started


def test_planning_review_lists_an_area_whose_recommendations_are_all_done(make_app, fresh):
    url = fresh()
    load(url, review_sheets(ALL_DONE))
    at = page(make_app, url, "pages/planning_review.py")
    body = texts(at)
    assert "No area has two or more Weak or Unsatisfactory ratings." not in body
    support = next(t for t in tables(at) if "Weak or unsatisfactory" in t.columns
                   and "Recommendation" in t.columns)
    assert set(support["Area"]) == {"Fife"}
    assert set(support["Progress"]) == {"Done"}


# The contract's seven pages (CONTRACT.md "Pages and shareable addresses"), by file.
PAGES = ["pages/briefing.py", "pages/actions.py", "pages/indicators.py", "pages/area_profile.py",
         "pages/planning_review.py", "pages/upload.py", "pages/about.py"]


@pytest.fixture(scope="module")
def quiet_url(databases):
    """Nothing moved at the latest meeting, and a review of one area."""
    url = databases.fresh("sqlite", sample=False)
    load(url, record_sheets(QUIET) + review_sheets(ALL_DONE))
    return url


# What each page says on the quiet meeting for Fife, worked out from QUIET and ALL_DONE.
QUIET_PAGES = {
    "pages/briefing.py": ["0 of 1 actions are Amber or Red, the same as at 21 June 2018.",
                          ("Since 21 June 2018: 0 new, 0 completed, 0 improved, 0 started, "
                          "0 worsened; 1 unchanged."), "No action changed status.",
                          "Nothing needs attention at this meeting."],
    "pages/actions.py": ["1 of 1 actions as at 2 October 2018.",
                         "Latest update, 1 September 2018: ● Green"],
    "pages/indicators.py": ["No figures for this indicator are loaded for these areas."],
    "pages/area_profile.py": [("1 actions apply here: 1 national and 0 naming this area or its "
                              "committee (as at 2 October 2018)."),
                              "2 assessments; 2 rated Weak or Unsatisfactory."],
    "pages/planning_review.py": [("Fife is rated Weak or Unsatisfactory on 2 of 2 criteria "
                                 "assessed: PR-01 Children's Services Plan (CSP); PR-02 CSP "
                                 "aims (s9).")],
    "pages/upload.py": ["Batch history"],
    "pages/about.py": ["(records-1.xlsx)."],
}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_says_what_the_quiet_meeting_holds(make_app, quiet_url, path):
    # Fife: national actions and its own, its review findings (Scotland is the other tests')
    at = page(make_app, quiet_url, None if path == "pages/briefing.py" else path,
              query={"area": FIFE})
    body = texts(at)
    for sentence in QUIET_PAGES[path]:
        assert sentence in body, sentence
    if path in ("pages/upload.py", "pages/about.py"):  # the two uploads, listed
        history = next(d.value for d in at.dataframe if "Batch" in d.value.columns)
        assert sorted(history["File"]) == ["records-0.xlsx", "records-1.xlsx"]


@pytest.mark.parametrize("records,meeting,says", [
    # nothing moved since the previous meeting
    (QUIET, "2018-10-02", [
        "0 of 1 actions are Amber or Red, the same as at 21 June 2018.",
        ("Since 21 June 2018: 0 new, 0 completed, 0 improved, 0 started, 0 worsened; "
        "1 unchanged."),
        "Needs attention Nothing needs attention at this meeting."]),
    # one action, one meeting
    (Records(actions={"NEG-1": None}, meetings=(D(2018, 10, 2),),
             updates=(Update("NEG-1", D(2018, 9, 1), "Amber"),)), "2018-10-02", [
        "1 of 1 actions are Amber or Red.",
        "This is the first meeting in the record: there is nothing to compare with.",
        "NEG-1 Action NEG-1 Scottish Government ▲ Amber Reported"]),
    # no updates at all
    (NO_UPDATES, "2018-10-02", [
        "0 of 0 actions are Amber or Red, the same as at 21 June 2018.",
        "RAG by workstream No actions to show.",
        "Needs attention Nothing needs attention at this meeting."]),
    # a meeting with no update counting for it: the Green action needs attention as Stale
    (STALE, "2018-10-02", [
        "0 of 3 actions are Amber or Red, the same as at 21 June 2018.",
        "NEG-1 Action NEG-1 Scottish Government ● Green Stale Reported"]),
])
def test_pack_on_quiet_records(fresh, monkeypatch, tmp_path, capsys, records, meeting, says):
    url = fresh()
    load(url, record_sheets(records))
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "pack.pdf"
    code = cli.main(["pack", "--meeting", meeting, "--user", "test", str(out)])
    assert code == 0, capsys.readouterr()
    text = " ".join(pdf_text(out.read_bytes()).split())  # the PDF read back, as one line
    assert "Summary: programme status at 2 October 2018" in text
    for sentence in says:
        assert sentence in text, sentence
