"""The Populations sheet's optional `Source` column (CONTRACT.md "populations"): stored per row,
blank meaning NRS mid-year population estimates, and named wherever a rate calculated from the
child populations gives its source."""

from __future__ import annotations

from sqlalchemy import select

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.imports.kinds import POPULATION_SOURCE
from cpip_dashboard.imports.preview import frames, snapshot
from cpip_dashboard.rules import provenance
from cpip_dashboard.store import queries
from cpip_dashboard.store.models import Population
from tests.files import csv

HEADER = ["Area", "Year", "Children aged 0-17"]


def test_sources_are_stored_per_row_and_named_most_rows_first(engine):
    with engine.connect() as conn:
        assert queries.population_sources(conn) is None
    first = run_import(engine, "p.csv", csv([
        [*HEADER, "Source"], ["Fife", 2031, 70000, None], ["Angus", 2031, 21000, None],
        ["Moray", 2031, 17000, "  Council  estimate  "]]), user="t")
    assert first.outcome == "committed", first.as_json()
    added = frames(snapshot(first))["added"]
    assert list(added["Source"]) == [POPULATION_SOURCE, POPULATION_SOURCE, "Council estimate"]
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Population.area_code, Population.source)).all())
        assert queries.population_sources(conn) == f"{POPULATION_SOURCE}; Council estimate"
    assert stored == {"S12000047": POPULATION_SOURCE, "S12000041": POPULATION_SOURCE,
                      "S12000020": "Council estimate"}
    # the same figures without the column (the default) are unchanged; a new source changes
    again = run_import(engine, "p2.csv", csv([HEADER, ["Fife", 2031, 70000]]), user="t")
    assert again.outcome == "no_change", again.as_json()
    changed = run_import(engine, "p3.csv", csv([[*HEADER, "Source"],
                                                ["Fife", 2031, 70000, "Council estimate"]]),
                         user="t")
    assert changed.totals() == {"added": 0, "changed": 1, "unchanged": 0}
    with engine.connect() as conn:
        assert queries.population_sources(conn) == f"Council estimate; {POPULATION_SOURCE}"


def test_a_calculated_rate_names_the_populations_source():
    count = {"unit": "count", "source": "Children's Social Work Statistics"}
    cases = [(count, "rate", "NRS 2023", "Children's Social Work Statistics (" +
              provenance.COMPUTED_RATE_NOTE + ": NRS 2023)"),
             (count, "rate", None, "Children's Social Work Statistics (" +
              provenance.COMPUTED_RATE_NOTE + ")"),
             (count, "count", "NRS 2023", "Children's Social Work Statistics"),
             ({"unit": "rate per 1,000", "source": "SG"}, "rate", "NRS 2023", "SG")]
    for definition, measure, populations, expected in cases:
        assert provenance.source_of(definition, measure, populations) == expected
    made = provenance.figures([False], count, "7", "rule", "rate", populations="NRS 2023")
    assert made.sources == ("Children's Social Work Statistics (" + provenance.COMPUTED_RATE_NOTE
                            + ": NRS 2023)",)
