"""Area profile: one council or CPC - every indicator against Scotland, the actions that touch
it, and its planning-review findings."""

import pandas as pd
import streamlit as st

from cpip_dashboard import charts, indicators, rag, register, review, ui
from cpip_dashboard.areas import SCOTLAND
from cpip_dashboard.queries import (
    criteria,
    indicator_catalogue,
    indicator_series,
    register_as_at,
    review_assessments,
)
from cpip_dashboard.ui import widgets
from cpip_dashboard.values import period_label

ui.require("area")
area = ui.current_area()
directory = ui.directory()
name = directory.name(area)
ui.page_header(f"Area profile: {name}",
               "Every indicator's latest figure against Scotland with its recent trend, the "
               "actions that touch the area, and its planning-review findings.")
if area == SCOTLAND:
    st.info("Choose a council or a child protection committee in the sidebar (Area) to see "
            "its profile against Scotland. Below: Scotland's own figures.")
elif directory.areas[area].kind == "cpc":
    st.caption("Committee covering: " + ", ".join(directory.name(m)
                                                 for m in directory.members(area)))

st.header("Indicators against Scotland")
catalogue = ui.q(indicator_catalogue)
rows, charts_to_draw, batches = [], [], set()
for definition in catalogue.to_dict("records"):
    measure = "rate" if "rate" in indicators.measures(definition) else \
        indicators.measures(definition)[0]
    frame = ui.q(indicator_series, definition["code"], measure, widgets.threshold())
    mine = frame[frame["area_code"] == area].dropna(subset=["period"]).sort_values("period")
    if mine.empty:
        continue
    batches |= {int(b) for b in frame["batch_id"].dropna()}
    latest = mine.iloc[-1]
    places = widgets.decimals(measure, definition)
    value = (f"{latest['value']:,.{places}f}" if pd.notna(latest["value"])
             else (latest["symbol"] if isinstance(latest["symbol"], str) else ".."))
    scot = frame[(frame["area_code"] == SCOTLAND) & (frame["period"] == latest["period"])]
    scot_value = f"{scot.iloc[0]['value']:,.{places}f}" if len(scot) and pd.notna(
        scot.iloc[0]["value"]) else ".."
    comparison = "-"
    if area != SCOTLAND and measure == "rate":
        kind = directory.areas[area].kind
        compared = indicators.comparison(frame, latest["period"], (kind,), directory)
        match = compared[compared["area_code"] == area]
        if len(match):
            comparison = charts.comparison_label(match.iloc[0]["comparison"],
                                                 definition["polarity"])
    trend, _ = indicators.recent_trend(frame, area)
    rows.append({"Indicator": definition["name"], "Period": period_label(
        latest["period"], definition["frequency"]),
        "Measure": "Rate per 1,000" if measure == "rate" else definition["unit"].capitalize(),
        name: value, "Scotland": scot_value, "Compared with Scotland": comparison,
        "Recent trend": trend})
    charts_to_draw.append((definition, measure, frame))
if not rows:
    st.write("No indicator figures are loaded for this area.")
else:
    profile = pd.DataFrame(rows)
    ui.data_table(profile)
    ui.download_buttons(profile, f"area-profile-{area}")
    st.caption("Significance: " + indicators.stats.SIGNIFICANCE_METHOD + " Recent trend: "
               + indicators.stats.TREND_RULE)
    ui.illustrative_notice(batches)
    with st.expander("Small trend charts", expanded=False):
        columns = st.columns(3)
        for index, (definition, measure, frame) in enumerate(charts_to_draw):
            names = {area: name} if area == SCOTLAND else {area: name, SCOTLAND: "Scotland"}
            shown = frame[frame["area_code"].isin(list(names))]
            sentence = charts.describe_trend(shown, names, " per 1,000" if measure == "rate"
                                             else "", definition["frequency"],
                                             widgets.decimals(measure, definition))
            with columns[index % 3]:
                st.caption(definition["name"])
                st.altair_chart(charts.trend_chart(shown, names, widgets.unit_title(
                    definition, measure), [], sentence, height=150), width="stretch")
                st.caption(sentence)

st.header("Actions that touch this area")
data = ui.q(register_as_at, None)
actions = register.for_area(data["now"], area, directory)
local = actions[actions["areas"] != SCOTLAND]
st.write(f"{len(actions)} actions apply here: {len(actions) - len(local)} national and "
         f"{len(local)} naming this area or its committee (as at "
         f"{widgets.long_date(data['meeting'])}).")
if len(local):
    ui.data_table(pd.DataFrame({"Ref": local["ref"], "Action": local["title"],
                                "Lead": local["lead"], "RAG": local["rag"].map(rag.label),
                                "Flags": local["flags"].map("; ".join)}))

st.header("Planning review findings")
assessments = review.as_at(ui.q(review_assessments), None)
mine = review.for_area(assessments, area, directory) if area != SCOTLAND else assessments.iloc[0:0]
if area == SCOTLAND:
    st.write("See the Planning review page for every area.")
elif mine.empty:
    st.write("No planning-review assessment is loaded for this area.")
else:
    crit = ui.q(criteria).set_index("code")
    weak = mine[mine["rating"].isin(review.WEAK)]
    st.write(f"{len(mine)} assessments; {len(weak)} rated Weak or Unsatisfactory.")
    ui.data_table(pd.DataFrame({
        "Area": mine["area_code"].map(directory.name), "Criterion": mine["criterion_code"],
        "What is reviewed": mine["criterion_code"].map(crit["dimension"]),
        "Rating": mine["rating"], "Finding": mine["finding"].fillna(""),
        "Recommendation": mine["recommendation"].fillna(""),
        "Progress": mine["progress"].fillna("")}))
    ui.illustrative_notice({int(b) for b in mine["batch_id"]})
