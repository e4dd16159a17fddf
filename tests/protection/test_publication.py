"""Publications: the data version moves exactly when what the pages show changes; protected
figures are stored per data version and only read afterwards; `audit-disclosure` proves the
stored figures and names any cell that could be pinned down."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from cpip_dashboard import cli
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.batches.rollback import rollback
from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.protection import figures, publication, series
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.models import Indicator, IndicatorValue, Publication, PublishedFigure
from tests.adversary import (
    CLACKS,
    FIFE,
    JOINT,
    ORKNEY,
    SHETLAND,
    SIAR,
    STIRLING,
    Y2,
    attacker_interval,
    release_rows,
    run,
    table,
)
from tests.conftest import behind_the_dashboard
from tests.files import xlsx


def audit(url: str, monkeypatch, capsys) -> tuple[int, dict]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = cli.main(["audit-disclosure", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_sample_data_passes_the_audit(sample_url, sample_engine, monkeypatch, capsys):
    code, result = audit(sample_url, monkeypatch, capsys)
    assert code == 0 and result["ok"] is True, result["unprotected"][:3]
    assert result["threshold"] == 5 and result["unprotected"] == []
    # checked against the stored figures themselves, not the audit's own account of them:
    # every uploaded council count from 1 to 4 is published suppressed, without its value,
    # and the audit's totals are the stored publication's

    with sample_engine.connect() as conn:
        current = publication.latest(conn).figures_from
        stored = {(r.indicator_code, r.area_code, r.period): r for r in conn.execute(
            select(PublishedFigure).where(PublishedFigure.publication_id == current,
                                          PublishedFigure.measure == "count"))}
        small = conn.execute(select(IndicatorValue.indicator_code, IndicatorValue.area_code,
                                    IndicatorValue.period).join(
            Indicator, Indicator.code == IndicatorValue.indicator_code).where(
            Indicator.unit == "count", IndicatorValue.value > 0, IndicatorValue.value < 5,
            IndicatorValue.area_code.like("S12%"))).all()
        suppressed = conn.execute(select(func.count()).select_from(PublishedFigure).where(
            PublishedFigure.publication_id == current, PublishedFigure.suppressed)).scalar_one()
        shown = conn.execute(select(func.count()).select_from(PublishedFigure).where(
            PublishedFigure.publication_id == current,
            PublishedFigure.value.is_not(None))).scalar_one()
    assert len(small) > 100  # the sample has small counts, so this can fail
    for key in small:
        figure = stored[tuple(key)]
        assert figure.suppressed and figure.value is None, key
    assert result["suppressed"] == suppressed >= len(small)
    assert result["cells"] == shown + suppressed


def show_a_small_count(engine) -> IndicatorValue:
    """Switch one protection off: show a suppressed small count of Orkney's as stored."""
    with behind_the_dashboard(engine) as conn:
        current = publication.latest(conn).figures_from
        small = conn.execute(select(IndicatorValue).where(
            IndicatorValue.area_code == "S12000023", IndicatorValue.value > 0,
            IndicatorValue.value < 5).order_by(IndicatorValue.indicator_code,
                                               IndicatorValue.period)).first()
        assert small is not None, "the sample has small counts for Orkney"
        changed = conn.execute(update(PublishedFigure).where(
            PublishedFigure.publication_id == current,
            PublishedFigure.indicator_code == small.indicator_code,
            PublishedFigure.measure == "count", PublishedFigure.area_code == "S12000023",
            PublishedFigure.period == small.period).values(
            value=small.value, symbol=None, suppressed=False)).rowcount
        assert changed == 1
    return small


@pytest.mark.one_database(
    "a shown small count is found by the computation; the audit reads figures on both "
    "in test_the_sample_data_passes_the_audit")
def test_switching_off_a_protection_fails_the_audit_naming_the_cell(sample_url, sample_engine,
                                                                    monkeypatch, capsys):
    """The same sample passes the audit (test_the_sample_data_passes_the_audit); with one
    small count shown, the audit fails naming its cell, in JSON and in words."""
    small = show_a_small_count(sample_engine)
    code, result = audit(sample_url, monkeypatch, capsys)
    assert code == 1 and result["ok"] is False
    named = {(c["indicator"], c["area"], c["period"]) for c in result["unprotected"]}
    assert (small.indicator_code, "S12000023", small.period.isoformat()) in named
    cell = next(c for c in result["unprotected"] if c["area"] == "S12000023"
                and c["indicator"] == small.indicator_code)
    assert cell["interval"] == [int(small.value), int(small.value)]
    assert cell["earlier"] is False  # shown by the current release, not an earlier one
    assert cli.main(["audit-disclosure"]) == 1
    out = capsys.readouterr().out
    assert "could be pinned down" in out
    assert f"{small.indicator_code} (count) for S12000023, period ending " \
           f"{small.period.isoformat()}" in out


def versions(engine) -> tuple[str, int, int]:
    with engine.connect() as conn:
        latest = publication.latest(conn)
        stored = conn.execute(select(func.count(PublishedFigure.id))).scalar_one()
        return data_version(conn), latest.figures_from, stored


def test_data_version_moves_exactly_when_what_pages_show_changes(sample_engine):
    v0, figures0, stored0 = versions(sample_engine)
    updates = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                                ["NEG-1", dt.date(2024, 9, 16), "Red", "Escalated"]]})
    dry = run_import(sample_engine, "round.xlsx", updates, user="ana", dry_run=True)
    assert dry.outcome == "would_commit" and versions(sample_engine)[0] == v0
    report = run_import(sample_engine, "round.xlsx", updates, user="ana")
    v1, figures1, stored1 = versions(sample_engine)
    assert int(v1) == int(v0) + 1
    assert (figures1, stored1) == (figures0, stored0)  # no figure changed: none rebuilt
    same = run_import(sample_engine, "round.xlsx", updates, user="ana")
    assert same.outcome == "no_change" and versions(sample_engine)[0] == v1
    values = xlsx({"Indicators": [["Indicator", "Area", "Period", "Value"],
                                  ["CP_REGISTER", "Fife", "2023-24", 1234]]})
    second = run_import(sample_engine, "values.xlsx", values, user="ana")
    v2, figures2, _ = versions(sample_engine)
    assert int(v2) == int(v1) + 1 and figures2 == int(v2)  # figures rebuilt for this version
    with sample_engine.connect() as conn:
        fife = series.indicator_series(conn, "CP_REGISTER", "count", 5)
    assert fife[(fife["area_code"] == "S12000047")
                & (fife["period"] == dt.date(2024, 7, 31))]["value"].iloc[0] == 1234
    assert rollback(sample_engine, second.batch_id, "ana").ok
    v3, figures3, _ = versions(sample_engine)
    assert int(v3) == int(v2) + 1 and figures3 == int(v3)
    assert rollback(sample_engine, report.batch_id, "ana").ok
    assert int(versions(sample_engine)[0]) == int(v3) + 1


def test_pages_read_the_stored_figures(sample_engine):
    """What indicator_series returns is exactly the stored rows of the current version."""
    with sample_engine.connect() as conn:
        current = publication.latest(conn).figures_from
        frame = series.indicator_series(conn, "CP_REGISTER", "rate", 5)
        stored = conn.execute(select(func.count(PublishedFigure.id)).where(
            PublishedFigure.publication_id == current,
            PublishedFigure.indicator_code == "CP_REGISTER",
            PublishedFigure.measure == "rate")).scalar_one()
    assert len(frame) == stored > 0
    shown = frame["value"].dropna()
    assert all(v == round(v, figures.PLACES) for v in shown)  # published precision


def test_a_stale_method_is_rebuilt_on_start(sample_engine):
    with sample_engine.begin() as conn:
        latest = publication.latest(conn)
        conn.execute(update(Publication).where(Publication.id == latest.id).values(
            summary_json=json.dumps({"method": "an older method"})))
    init_db(sample_engine, sample=False, user="test")
    with sample_engine.connect() as conn:
        rebuilt = publication.latest(conn)
        assert rebuilt.event == "start" and rebuilt.figures_from == rebuilt.id
        assert json.loads(rebuilt.summary_json)["method"] == publication.METHOD


def test_figures_of_an_earlier_release_stay_known():
    """An earlier data version (a pack archived then, say) hid Clackmannanshire's 3 another way
    (Orkney and the joint committee as companions, Stirling shown). Today's pattern shows the
    joint committee: with the pack's Stirling, that pins the 3, so protection must hide more."""

    counts = {ORKNEY: 40, SHETLAND: 30, SIAR: 25, CLACKS: 3, STIRLING: 80, FIFE: 300}
    values = table("CP_REGISTER", Y2, counts)
    truth = {**counts, "S92000003": 478, "CPC22": 40, "CPC23": 30, "CPC24": 25, JOINT: 83,
             "CPC14": 300}
    pack_hid = {CLACKS, ORKNEY, JOINT, "CPC22"}
    pack = pd.DataFrame([{"indicator_code": "CP_REGISTER", "measure": "count", "area_code": a,
                          "period": Y2, "value": v, "population": None}
                         for a, v in truth.items() if a not in pack_hid])
    earlier = release_rows([{"indicator_code": "CP_REGISTER", "measure": "count",
                             "area_code": a, "period": Y2, "truth": v,
                             "value": None if a in pack_hid else v}
                            for a, v in truth.items()])
    target = ("CP_REGISTER", CLACKS, Y2)

    def counts_shown(protected):
        f = protected.frame
        return f[(f["measure"] == "count") & f["value"].notna()]

    alone = run(values)
    low, high = attacker_interval(pd.concat([counts_shown(alone), pack]), target)
    assert high - low < 5, "without the pack in the picture, today's pattern would leak"
    later = run(values, known=earlier)
    assert not later.unprotected
    low, high = attacker_interval(pd.concat([counts_shown(later), pack]), target)
    assert high - low >= 5, (low, high)
    hidden_later = set(later.frame.loc[later.frame["suppressed"]
                                       & (later.frame["measure"] == "count"), "area_code"])
    assert pack_hid <= hidden_later  # hidden before, unchanged since: still hidden
    assert not pack_hid <= set(alone.frame.loc[alone.frame["suppressed"], "area_code"])
