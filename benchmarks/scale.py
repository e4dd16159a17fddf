"""The scale database: about 1,000,000 indicator values, 2,000 actions with 24 updates each and
the planning review for every area, written as spreadsheets in the CONTRACT.md formats and
loaded through the import pipeline (`run_import`, what the CLI's `import` calls), on top of the
sample data. Deterministic: the same generator version writes the same files.

The indicators are monthly minimum-dataset style measures (`MDS_*`: 16 measures, the twelve
with more than 200 a month in Scotland each by four age groups, so 52 series) for the 32
councils and Scotland over 24 years, loaded in ten uploads of about 100,000 rows: five add a
fifth of the series each, five revise those series again (every council figure moved by one
or two, Scotland re-added). Small councils' monthly counts are often below the threshold,
so most tables have cells to protect. Scotland is always exactly the sum of
its councils and no committee is uploaded (the dashboard sums them), so the area relation of
`data/reference/relations.csv` holds exactly; stock-flow and the part relations name other
indicators and do not apply to these measures.

    python benchmarks/scale.py --url sqlite:///benchmarks/.cache/scale.sqlite
    python benchmarks/scale.py --url postgresql+psycopg://postgres@127.0.0.1:55433/cpip_bench_scale

`ensure(url)` (used by load.py) builds the database only when it does not hold a complete load
by this generator version.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import xlsxwriter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from cpip_dashboard import config
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.batches.sample import child_populations
from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import UploadBatch
from cpip_dashboard.store.reference import area_rows, read_csv

VERSION = "scale-2"  # bump whenever anything below changes what is written
SEED = 20261201
HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SCOTLAND = "S92000003"
FIRST_MONTH = (2001, 4)  # April 2001 .. March 2025
MONTHS = 288
UPLOADS = 5  # new-series uploads; as many revisions follow
ACTIONS = 2000
UPDATES_PER_ACTION = 24
USER = "scale-benchmark"

# Sixteen minimum-dataset style measures: (code, name, Scotland's monthly level, growth over
# the 24 years). Those above AGE_SPLIT a month are published for four age groups.
MEASURES = [
    ("CONCERNS", "Child protection concerns received", 3200, 0.35),
    ("IRD", "Inter-agency referral discussions", 1500, 0.60),
    ("IRD_TO_CPPM", "IRDs leading to a child protection planning meeting", 330, 0.20),
    ("CPPM_INITIAL", "Initial child protection planning meetings", 260, 0.05),
    ("CPPM_PREBIRTH", "Pre-birth child protection planning meetings", 45, 0.10),
    ("CPPM_REVIEW", "Review child protection planning meetings", 420, 0.00),
    ("REGISTRATIONS", "Registrations", 230, -0.05),
    ("DEREGISTRATIONS", "De-registrations", 228, -0.05),
    ("REGISTER", "Children on the register at the month end", 2600, -0.10),
    ("REREGISTRATIONS", "Re-registrations within 18 months", 30, -0.20),
    ("REGISTERED_3M", "Children registered for under three months", 700, 0.00),
    ("REGISTERED_12M", "Children registered for more than a year", 260, -0.15),
    ("VISITS_OVERDUE", "Children on the register not seen within the month", 60, -0.30),
    ("TRANSFERS_IN", "Registrations transferred in from another council", 14, 0.00),
    ("CORE_GROUPS", "Core group meetings held", 1900, 0.15),
    ("PLANS_REVIEWED", "Child protection plans reviewed on time", 380, 0.10),
]
AGES = [("0_4", "aged 0-4", 0.42), ("5_10", "aged 5-10", 0.28), ("11_15", "aged 11-15", 0.24),
        ("16_17", "aged 16-17", 0.06)]
WORKSTREAMS = ["SYS", "NEG", "CSE", "TRAF", "DATA", "CH", "LEAD", "INSP", "NET"]
LEADS = ["Scottish Government", "Police Scotland", "Care Inspectorate", "CELCIS",
         "Child Protection Committees Scotland", "NHS Education for Scotland",
         "Social Work Scotland", "COSLA"]
RAGS = ["Not started", "Green", "Green", "Amber", "Red", "Complete"]
RATINGS = ["Excellent", "Very good", "Good", "Adequate", "Weak", "Unsatisfactory"]


AGE_SPLIT = 200


def indicator_codes() -> list[tuple[str, str, float, float]]:
    """(code, name, Scotland's monthly level, growth) for the 52 series."""
    codes = []
    for m, name, level, growth in MEASURES:
        if level < AGE_SPLIT:
            codes.append((f"MDS_{m}", f"{name} (minimum dataset, monthly)", level, growth))
            continue
        codes += [(f"MDS_{m}_{a}", f"{name}, children {label} (minimum dataset, monthly)",
                   level * share, growth) for a, label, share in AGES]
    return codes


def month_label(index: int) -> str:
    year, month = divmod(FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1 + index, 12)
    return f"{year}-{month + 1:02d}"


def councils() -> list[str]:
    return [a["code"] for a in area_rows()[0] if a["kind"] == "council"]


def council_weights() -> np.ndarray:
    """Each council's share of Scotland's children (2018), with a deterministic 'need' factor."""
    pops = child_populations()
    rng = np.random.default_rng(SEED)
    raw = np.array([pops[(c, 2018)] for c in councils()], dtype=float)
    raw *= rng.uniform(0.6, 1.5, size=len(raw))
    return raw / raw.sum()


def series_values() -> tuple[np.ndarray, np.ndarray]:
    """(first, revised): council values, shape (series, months, councils), as integers."""
    rng = np.random.default_rng(SEED + 1)
    weights = council_weights()
    specs = indicator_codes()
    t = np.arange(MONTHS) / MONTHS
    season = 1 + 0.08 * np.sin(2 * np.pi * (np.arange(MONTHS) % 12) / 12)
    first = np.empty((len(specs), MONTHS, len(weights)), dtype=np.int64)
    for s, (_code, _name, level, growth) in enumerate(specs):
        mean = level * (1 + growth * t) * season
        first[s] = rng.poisson(mean[:, None] * weights[None, :])
    delta = rng.choice(np.array([-2, -1, 1, 2]), size=first.shape)
    revised = np.maximum(first + delta, 0)
    revised[revised == first] += 1  # a revision changes every council figure
    return first, revised


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    sheet.write_string(r, c, value.isoformat())
                elif isinstance(value, int | float | np.integer):
                    sheet.write_number(r, c, float(value))
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def definitions_file() -> bytes:
    rows = [["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source", "Headline",
             "Series notes", "Relation"]]
    for code, name, _level, _growth in indicator_codes():
        rows.append([code, name, "count", "monthly",
                     f"{name}: generated for the scale benchmark, not an official statistic.",
                     "neither", "Scale benchmark (benchmarks/scale.py)", "no",
                     "Generated data; revised once after first publication.", "none"])
    return _workbook({"Definitions": rows})


def indicator_files() -> list[tuple[str, bytes]]:
    """Ten uploads: five of new series, then five revising them."""
    first, revised = series_values()
    codes = [c[0] for c in indicator_codes()]
    areas = councils()
    groups = np.array_split(np.arange(len(codes)), UPLOADS)
    x_rng = np.random.default_rng(SEED + 2)
    missing = x_rng.random(first.shape) < 0.001  # a few council figures never submitted
    files = []
    for revision, values in ((False, first), (True, revised)):
        scotland = values.sum(axis=2)
        for g, group in enumerate(groups):
            rows = [["Indicator", "Area", "Period", "Value", "Status", "Notes"]]
            for s in group:
                code = codes[s]
                for m in range(MONTHS):
                    period = month_label(m)
                    status = "revised" if revision else ("provisional" if m >= MONTHS - 3
                                                         else "")
                    rows.append([code, SCOTLAND, period, int(scotland[s, m]), status, ""])
                    for a, area in enumerate(areas):
                        if missing[s, m, a]:
                            rows.append([code, area, period, "x", "", "Not submitted"])
                        else:
                            rows.append([code, area, period, int(values[s, m, a]), status, ""])
            kind = "revision" if revision else "series"
            files.append((f"{VERSION}-indicators-{kind}-{g + 1}.xlsx",
                          _workbook({"Indicators": rows})))
    return files


def action_files() -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(SEED + 3)
    areas = councils()
    refs = [f"{WORKSTREAMS[i % len(WORKSTREAMS)]}-S{i + 1:04d}" for i in range(ACTIONS)]
    actions = [["Action ID", "Workstream", "Action", "Lead", "Area", "Due date", "Indicators",
                "Source"]]
    for i, ref in enumerate(refs):
        area = areas[i % len(areas)] if i % 3 else ""
        due = dt.date(2024, 1, 31) + dt.timedelta(days=int(rng.integers(0, 900)))
        actions.append([ref, ref.split("-")[0],
                        (f"Scale benchmark action {i + 1}: improve the consistency of child "
                         f"protection practice in workstream {ref.split('-')[0]}"),
                        LEADS[i % len(LEADS)], area, due,
                        "CP_REGISTER" if i % 4 == 0 else "", "Scale benchmark"])
    dates = [dt.date(2023 + (m + 1) // 12, (m + 1) % 12 + 1, 1) - dt.timedelta(days=1)
             for m in range(UPDATES_PER_ACTION)]  # month ends, Jan 2023 .. Dec 2024
    rounds = [[["Action ID", "Reporting date", "RAG", "Progress %", "Commentary",
                "Next steps"]] for _ in range(2)]
    for ref in refs:
        state = 0
        for m, when in enumerate(dates):
            if state < len(RAGS) - 1 and rng.random() < 0.25:
                state = int(rng.integers(1, len(RAGS)))
            rag = RAGS[state]
            progress = min(100, 4 * m + 4) if rag != "Not started" else 0
            if rag == "Complete":
                progress = 100
            commentary = (f"{rag}: progress reviewed at the month end, {when:%B %Y}."
                          if rag in ("Red", "Amber") or m % 6 == 0 else "")
            rounds[m // 12].append([ref, when, rag, progress, commentary,
                                    "Report to the next meeting"])
    return [(f"{VERSION}-actions.xlsx", _workbook({"Actions": actions})),
            *[(f"{VERSION}-updates-{r + 1}.xlsx", _workbook({"Updates": rows}))
              for r, rows in enumerate(rounds)]]


def review_file() -> bytes:
    rng = np.random.default_rng(SEED + 4)
    areas = [a["code"] for a in area_rows()[0] if a["kind"] in ("council", "cpc")]
    criteria = [r["code"] for r in read_csv("planning_review_dimensions.csv")]
    rows = [["Area", "Criterion", "Rating", "Assessed on", "Evidence", "Finding",
             "Recommendation", "Owner", "Target date", "Progress"]]
    for area in areas:
        for criterion in criteria:
            for when in (dt.date(2022, 6, 30), dt.date(2024, 6, 28)):
                rating = RATINGS[int(rng.integers(0, len(RATINGS)))]
                needs = rating in ("Adequate", "Weak", "Unsatisfactory")
                rows.append([area, criterion, rating, when,
                             f"Scale benchmark: evidence for {criterion} reviewed.",
                             "Scale benchmark finding.",
                             "Strengthen arrangements." if needs else "",
                             "Chief Officers' Group" if needs else "",
                             dt.date(when.year + 1, 3, 31) if needs else "",
                             "In progress" if needs else ""])
    return _workbook({"Review": rows})


def files() -> list[tuple[str, bytes]]:
    """Every upload, in loading order."""
    return [(f"{VERSION}-definitions.xlsx", definitions_file()), *indicator_files(),
            *action_files(), (f"{VERSION}-review.xlsx", review_file())]


def complete(url: str) -> bool:
    """Whether the database holds a whole load by this generator version."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            last = conn.execute(select(UploadBatch.id).where(
                UploadBatch.file_name == f"{VERSION}-review.xlsx",
                UploadBatch.state == "committed")).first()
        return last is not None
    except SQLAlchemyError:  # no schema yet
        return False
    finally:
        engine.dispose()


def build(url: str, out=print) -> list[dict]:
    """Load the sample data and every scale upload into an empty database at `url`; returns
    one record per upload (file, outcome, rows written, seconds)."""
    engine = make_engine(url)
    started = time.perf_counter()
    init_db(engine, sample=True, user=USER)
    out(f"  sample data and schema: {time.perf_counter() - started:6.1f} s")
    uploads = files()
    out(f"  {len(uploads)} spreadsheets written in {time.perf_counter() - started:6.1f} s "
        f"({sum(len(d) for _, d in uploads) / 1e6:.1f} MB)")
    records = []
    for name, data in uploads:
        start = time.perf_counter()
        report = run_import(engine, name, data, user=USER, max_mb=config.max_upload_mb())
        seconds = time.perf_counter() - start
        totals = report.totals()
        if report.outcome != "committed":
            raise SystemExit(f"{name}: {report.outcome}: {report.message} "
                             f"{[p.message for p in report.errors[:5]]}")
        records.append({"file": name, "seconds": seconds, **totals})
        out(f"  {name:<42} {seconds:7.1f} s   {totals['added']:>7,} added "
            f"{totals['changed']:>7,} changed  {len(report.warnings):>7,} warnings")
    engine.dispose()
    return records


def ensure(url: str, out=print) -> bool:
    """Build the scale database at `url` unless it already holds this version; True if built."""
    if complete(url):
        return False
    build(url, out)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"sqlite:///{CACHE / 'scale-manual.sqlite'}")
    parser.add_argument("--write", metavar="DIR", help="only write the spreadsheets to DIR")
    args = parser.parse_args()
    if args.write:
        folder = Path(args.write)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files():
            (folder / name).write_bytes(data)
            print(folder / name)
        return
    CACHE.mkdir(exist_ok=True)
    started = time.perf_counter()
    records = build(args.url)
    total = sum(r["added"] + r["changed"] for r in records)
    print(f"loaded {total:,} rows in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
