"""Area profile: one council or CPC - every indicator against Scotland, the actions that touch
it, and its planning-review findings."""

import pandas as pd
import streamlit as st

from cpip_dashboard import charts, indicators, provenance, register, review, stats, ui
from cpip_dashboard.areas import SCOTLAND
from cpip_dashboard.disclosure import suppression_rule
from cpip_dashboard.queries import (
    criteria,
    indicator_catalogue,
    indicator_series,
    register_as_at,
    review_assessments,
    workstreams,
)
from cpip_dashboard.ui import widgets

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
flags, definitions, measures = [], [], []
for definition in catalogue.to_dict("records"):
    measure = indicators.headline_measure(definition, area)
    frame = ui.q(indicator_series, definition["code"], measure, widgets.threshold())
    row = indicators.profile_row(definition, measure, frame, area, directory,
                                 widgets.decimals(measure, definition))
    if row is None:
        continue
    batches |= {int(b) for b in frame["batch_id"].dropna()}
    rows.append(row)
    flags.append(provenance.for_profile(frame, area))
    definitions.append(definition)
    measures.append(measure)
    charts_to_draw.append((definition, measure, frame))
if not rows:
    st.write("No indicator figures are loaded for this area.")
else:
    profile = provenance.with_status(pd.DataFrame(rows), flags)
    ui.data_table(profile)
    st.caption("Status: official (uploaded from the published source) or illustrative "
               "(generated, not official statistics); a row is illustrative if the area's "
               "figure or Scotland's is, and a committee's sum is illustrative if any council "
               "in it is.")
    ui.download_buttons(profile, f"area-profile-{area}", provenance=provenance.figures(
        flags, definitions, widgets.data_version(), suppression_rule(), measures,
        about=[("Area profile", f"{name}: every indicator's latest figure against Scotland")]))
    st.caption("Significance: " + stats.SIGNIFICANCE_METHOD + " Percentages: "
               + stats.PERCENT_METHOD + " Recent trend: "
               + stats.TREND_RULE)
    ui.illustrative_notice(batches)
    with st.expander("Small trend charts", expanded=False):
        columns = st.columns(3)
        for index, (definition, measure, frame) in enumerate(charts_to_draw):
            names = {area: name} if area == SCOTLAND else {area: name, SCOTLAND: "Scotland"}
            shown = frame[frame["area_code"].isin(list(names))]
            sentence = charts.describe_trend(shown, names, widgets.unit_text(measure),
                                             definition["frequency"],
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
    names = dict(zip(ui.q(workstreams)["code"], ui.q(workstreams)["name"], strict=True))
    ui.data_table(register.register_table(local, names, directory))

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
    ui.data_table(review.findings_table(mine, crit, directory))
    ui.illustrative_notice({int(b) for b in mine["batch_id"]})
