"""Deterministic data generators for the benchmarks (extended by later scale work).

`indicator_database(url, values)` fills a database with `values` indicator values spread over
many indicators, councils + Scotland, monthly periods and several batches (each batch revising
every value), then returns the code of one indicator to query.
`indicator_workbook(rows)` writes an indicators workbook (long layout) of `rows` rows.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random

import xlsxwriter
from sqlalchemy import Engine, insert

from cpip_dashboard.store.db import utcnow, write_transaction
from cpip_dashboard.store.models import Indicator, IndicatorValue, UploadBatch
from cpip_dashboard.store.reference import area_rows

PERIODS = 150  # monthly periods
BATCHES = 5


def _month_end(index: int) -> dt.date:
    year, month = 2000 + index // 12, index % 12 + 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def indicator_database(engine: Engine, values: int) -> str:
    areas = [a["code"] for a in area_rows()[0] if a["kind"] in ("council", "scotland")]
    per_indicator = len(areas) * PERIODS * BATCHES
    indicators = max(1, math.ceil(values / per_indicator))
    rng = random.Random(2026)
    with write_transaction(engine) as conn:
        for b in range(BATCHES):
            conn.execute(insert(UploadBatch), [dict(
                file_name=f"bench-{b}.xlsx", sha256=f"{b:064d}", kinds="indicators",
                uploaded_by="bench", committed_at=utcnow(), changes_json="{}",
                illustrative=True, state="committed")])
        conn.execute(insert(Indicator), [dict(
            code=f"BENCH_{i:03d}", name=f"Benchmark indicator {i}", unit="count",
            frequency="monthly", definition="Benchmark", polarity="neither", source="bench",
            headline=False, relation="none", batch_id=1) for i in range(indicators)])
        rows = []
        for i in range(indicators):
            for b in range(1, BATCHES + 1):
                for p in range(PERIODS):
                    period = _month_end(p)
                    for area in areas:
                        rows.append(dict(indicator_code=f"BENCH_{i:03d}", area_code=area,
                                         period=period, value=float(rng.randint(0, 400)),
                                         symbol=None, status=None, notes=None, batch_id=b))
                        if len(rows) == 50_000:
                            conn.execute(insert(IndicatorValue), rows)
                            rows = []
        if rows:
            conn.execute(insert(IndicatorValue), rows)
    return "BENCH_000"


def indicator_workbook(rows: int) -> bytes:
    """An indicators workbook with `rows` rows of CP_REGISTER-like monthly data."""
    areas = [a["name"] for a in area_rows()[0] if a["kind"] == "council"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("Indicators")
    for c, header in enumerate(["Indicator", "Area", "Period", "Value", "Status", "Notes"]):
        sheet.write_string(0, c, header)
    rng = random.Random(100)
    level = {area: rng.randint(20, 900) for area in areas}  # each area drifts from its level
    for r in range(1, rows + 1):
        index = r - 1
        area = areas[index % len(areas)]
        level[area] = max(5, round(level[area] * rng.uniform(0.9, 1.1)))
        sheet.write_string(r, 0, "BENCH_CALLS")
        sheet.write_string(r, 1, area)
        sheet.write_string(r, 2, _month_end(index // len(areas)).strftime("%Y-%m"))
        sheet.write_number(r, 3, level[area])
        sheet.write_string(r, 4, "provisional" if index % 7 == 0 else "")
        sheet.write_string(r, 5, "")
    book.close()
    return buffer.getvalue()


BENCH_DEFINITION = (b"Code,Name,Unit,Frequency,Definition,Polarity,Source,Relation\n"
                    b"BENCH_CALLS,Benchmark calls,count,monthly,Benchmark,neither,bench,none\n")
