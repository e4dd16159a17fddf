"""Indicators: one indicator over time for chosen areas against Scotland, and all areas
compared for a period. Every figure passes disclosure control first."""

import streamlit as st

from cpip_dashboard import charts, indicators, provenance, stats, ui
from cpip_dashboard.areas import SCOTLAND
from cpip_dashboard.disclosure import SUPPRESSED_SYMBOL, suppression_rule
from cpip_dashboard.queries import indicator_catalogue, indicator_series
from cpip_dashboard.ui import widgets
from cpip_dashboard.values import MISSING_SYMBOLS, period_label

ui.require("indicators")
directory = ui.directory()
catalogue = ui.q(indicator_catalogue).set_index("code", drop=False)
codes = list(catalogue.index)
ui.page_header("Indicators", "Child protection statistics over time for the areas you choose, "
               "against Scotland. Small numbers are suppressed to protect children.")

wanted = st.session_state.get("indicator")
if wanted not in codes:
    if wanted:
        st.caption(widgets.safe(f"Indicator {wanted!r} is not known: showing {codes[0]}."))
    wanted = codes[0]
st.session_state["_indicator_widget"] = wanted


def _indicator_changed() -> None:
    st.session_state["indicator"] = st.session_state["_indicator_widget"]


code = st.selectbox("Indicator", codes, key="_indicator_widget", on_change=_indicator_changed,
                    format_func=lambda c: f"{catalogue.loc[c, 'name']} ({c})")
st.session_state["indicator"] = code
definition = catalogue.loc[code].to_dict()

area = ui.current_area()
choices = [a for a in directory.areas if a != SCOTLAND]
choices.sort(key=lambda a: directory.areas[a].sort_order)
default = [area] if area != SCOTLAND else []
controls = st.columns([3, 1])
chosen = controls[0].multiselect(
    "Areas (Scotland is always shown for comparison)", choices, default=default,
    format_func=lambda a: ("CPC: " if directory.areas[a].kind == "cpc" else "")
    + directory.name(a), key=f"areas-{area}")
options = indicators.measures(definition)
names_by_code = catalogue["name"].to_dict()
measure = controls[1].radio(
    "Show", options, horizontal=True, key="measure",
    format_func=lambda m: indicators.measure_label(definition, m, names_by_code),
) if len(options) > 1 else options[0]

frame = ui.q(indicator_series, code, measure, widgets.threshold())
areas = [*chosen, SCOTLAND]
shown = frame[frame["area_code"].isin(areas)]
names = {a: directory.name(a) for a in areas}
places = widgets.decimals(measure, definition)
unit_text = widgets.unit_text(measure)
breaks = indicators.series_breaks().get(code, [])

left, right = st.columns([3, 1])
with left:
    if shown["value"].notna().sum() == 0:
        st.write("No figures for this indicator are loaded for these areas.")
        sentence = "No figures to show."
    else:
        sentence = charts.describe_trend(shown, names, unit_text, definition["frequency"], places)
        st.altair_chart(charts.trend_chart(shown, names, widgets.unit_title(definition, measure),
                                           breaks, sentence), width="stretch")
    st.caption(sentence)
    ui.illustrative_notice({int(b) for b in shown["batch_id"].dropna()})
    table = indicators.display_table(shown, areas, directory, definition["frequency"], places)
    flags = provenance.by_period(table["Period"], shown, areas, definition["frequency"])
    table = provenance.with_status(table, flags)
    markers = provenance.markers_legend(shown["status"])
    with st.expander("Table of these figures", expanded=False):
        ui.data_table(table)
        st.caption("Status: official (uploaded from the published source) or illustrative "
                   "(generated, not official statistics); a row is illustrative if any figure "
                   "in it is, and a committee's sum is illustrative if any council in it is.")
    ui.download_buttons(table, f"{code}-{measure}", provenance=provenance.figures(
        flags, definition, widgets.data_version(), suppression_rule(), measure, about=[
            ("Indicator", f"{definition['name']} ({code})"),
            ("Definition", definition["definition"]),
            ("Symbols", f"{SUPPRESSED_SYMBOL}: suppressed ({suppression_rule()})"
             + (f"; {markers}" if markers else ""))]))
with right:
    st.subheader("About this indicator")
    st.text(definition["definition"])
    st.caption(f"Unit: {widgets.safe(definition['unit'])}. Frequency: "
               f"{widgets.safe(definition['frequency'])}. Polarity: "
               f"{widgets.safe(definition['polarity'])}.")
    st.caption(widgets.safe(provenance.source_caption(
        [provenance.flag(f) for f in shown["illustrative"]], definition, measure)))
    if definition.get("series_notes"):
        st.caption(f"Series notes: {widgets.safe(definition['series_notes'])}")
    for when, note in breaks:
        st.caption(f"Break in series at {when:%d %B %Y}: {widgets.safe(note)}")
    st.caption(widgets.safe(
        f"Symbols: {SUPPRESSED_SYMBOL} suppressed ({suppression_rule()}); "
        + "; ".join(f"{s} {m}" for s, m in MISSING_SYMBOLS.items() if s in ("*", "x", ".."))
        + (f"; {markers}." if markers else ".")))

st.header("Compare areas")
periods = sorted(frame.dropna(subset=["value"])["period"].unique())
if not periods:
    st.write("No figures to compare.")
else:
    compare_cols = st.columns([1, 1, 2])
    period = compare_cols[0].selectbox(
        "Period", list(reversed(periods)),
        format_func=lambda p: period_label(p, definition["frequency"]), key="compare-period")
    level = compare_cols[1].radio("Areas", ["Councils", "Committees (CPCs)"], horizontal=True,
                                  key="compare-level")
    kinds = ("council",) if level == "Councils" else ("cpc",)
    # areas are compared on the measure comparable across areas: a rate or a percentage
    compare_measure = options[1] if measure == "count" and len(options) > 1 else measure
    rate_frame = frame if compare_measure == measure else \
        ui.q(indicator_series, code, compare_measure, widgets.threshold())
    ranked = indicators.comparison(rate_frame, period, kinds, directory)
    compare_flags = provenance.by_area(ranked["area_code"], rate_frame, period)
    ranked = provenance.with_status(ranked, compare_flags)
    period_text = period_label(period, definition["frequency"])
    sentence = charts.describe_comparison(ranked, period_text, definition["polarity"])
    if ranked["value"].notna().any():
        st.altair_chart(charts.comparison_chart(
            ranked, ranked.attrs.get("scotland_rate"), definition["polarity"],
            widgets.unit_title(definition, compare_measure),
            sentence), width="stretch")
    st.caption(sentence)
    st.caption("Method: " + indicators.comparison_method(compare_measure)
               + " The dashed line is Scotland.")
    comparison_table = provenance.with_status(
        indicators.comparison_table(ranked, definition["polarity"]), compare_flags)
    with st.expander("Table of this comparison"):
        ui.data_table(comparison_table)
    ui.download_buttons(comparison_table, f"{code}-compare-{period_text}", key="compare-dl",
                        provenance=provenance.figures(
                            compare_flags, definition, widgets.data_version(),
                            suppression_rule(), ranked.attrs.get("measure", "rate"), about=[
                                ("Indicator", f"{definition['name']} ({code})"),
                                ("Comparison", f"{level} in {period_text}, compared with "
                                               "Scotland. " + indicators.comparison_method(compare_measure))]))

st.header("Recent trend")
st.caption("Rule: " + stats.TREND_RULE)
trend = indicators.trend_table(frame, areas, directory, places, code=code,
                               frequency=definition["frequency"])
ui.data_table(provenance.with_status(trend, provenance.by_area(areas, frame)))
