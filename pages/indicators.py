"""Indicators: one indicator over time for chosen areas against Scotland, and all areas
compared for a period. Every figure passes disclosure control first."""

import streamlit as st

from cpip_dashboard import ui
from cpip_dashboard.ui import frame, widgets
from cpip_dashboard.views import common, insight
from cpip_dashboard.views import indicators as views

ui.require("indicators")
cat = ui.view(views.catalogue)
area = ui.current_area()
ui.page_header("Indicators", "Child protection statistics over time for the areas you choose, "
               "against Scotland. Small numbers are suppressed to protect children.")

code = frame.indicator_selector(cat.codes, cat.labels)
others = {a: label for a, label in cat.area_labels.items() if a != area}
controls = st.columns([3, 1])
measure, compare = frame.measure_and_compare(
    cat.measures[code], cat.default_measure(code, area), others,
    "Add areas to compare (" + ("Scotland is" if area == common.SCOTLAND else
                                f"{cat.area_labels.get(area, area)} and Scotland are")
    + " always shown)", lambda m: cat.measure_labels[(code, m)], (controls[0], controls[1]))
if len(cat.measures[code]) > 1 and area != common.SCOTLAND and measure == "count":
    controls[1].caption("Counts of a small area sit near zero beside Scotland's: the rate "
                        "or percentage compares areas of any size.")

areas = tuple(([area] if area != common.SCOTLAND else []) + compare)
v = ui.view(views.series, code=code, measure=measure, areas=areas)

left, right = st.columns([3, 1])
with left:
    if not v.has_figures:
        st.write("No figures for this indicator are loaded for these areas.")
    else:
        widgets.chart(v.chart)
    st.caption(v.sentence)
    ui.illustrative_notice(v.batch_ids)
    with st.expander("Table of these figures", expanded=False):
        ui.data_table(v.table)
        st.caption("Status: official (uploaded from the published source) or illustrative "
                   "(generated, not official statistics); a row is illustrative if any figure "
                   "in it is, and a committee's sum is illustrative if any council in it is.")
    widgets.prepared_downloads(v.table_download, key="indicators-series")
with right:
    st.header("About this indicator")
    st.text(v.definition["definition"])
    for line in v.about:
        st.caption(widgets.safe(line))

st.header("Compare areas")
if not v.periods:
    st.write("No figures to compare.")
else:
    compare_cols = st.columns([1, 1, 2])
    period = compare_cols[0].selectbox(
        "Period", list(reversed(v.periods)),
        format_func=lambda p: views.period_label(p, v.definition["frequency"]), key="indicators-period")
    level = compare_cols[1].radio(
        "Areas", list(views.LEVELS), horizontal=True, key="indicators-level",
        format_func=lambda key: views.LEVELS[key][0],
        index=1 if ui.directory().areas.get(area) and
        ui.directory().areas[area].kind == "cpc" else 0)
    c = ui.view(views.comparison, code=code, measure=measure, period=period, level=level,
                highlight=area)
    if c.chart is not None:
        widgets.chart(c.chart)
    st.caption(c.sentence)
    widgets.method_note(c.method)
    with st.expander("Table of this comparison"):
        ui.data_table(c.table)
    widgets.prepared_downloads(c.table_download, key="indicators-comparison")

with st.expander("What changed in the last release", expanded=False):
    last = ui.view(insight.last_release, code=code, measure=measure)
    st.write(widgets.safe(last.sentence))
    if not last.changes.empty:
        ui.data_table(last.changes)

st.header("Recent trend")
widgets.method_note(v.trend_rule)
ui.data_table(v.trend)
