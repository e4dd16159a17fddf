"""Area profile: one council or CPC - every indicator against Scotland, the actions that touch
it, and its planning-review findings."""

import streamlit as st

from cpip_dashboard import ui
from cpip_dashboard.ui import widgets
from cpip_dashboard.views import area_profile, common, insight

ui.require("area")
v = ui.view(area_profile.view, area=ui.current_area())
ui.page_header(v.title, "Every indicator's latest figure against Scotland with its recent "
               "trend, the actions that touch the area, and its planning-review findings.")
if v.area == common.SCOTLAND:
    st.info("Choose a council or a child protection committee in the sidebar (Area) to see "
            "its profile against Scotland. Below: Scotland's own figures.")
elif v.kind_note:
    st.caption(v.kind_note)

st.header("Indicators against Scotland")
if v.profile.empty:
    st.write("No indicator figures are loaded for this area.")
else:
    if v.area != common.SCOTLAND:
        st.caption(f"This area: {widgets.safe(v.name)}. Councils and committees are shown as rates or "
                   "percentages, comparable with Scotland.")
    if v.profile_chart is not None:
        widgets.chart(v.profile_chart)
    if v.profile_sentence:
        st.caption(widgets.safe(v.profile_sentence))
    marks = ui.view(insight.area_marks, area=v.area)
    widgets.readable_table(insight.with_marks(v.profile, marks), key="area-profile")
    for line in insight.mark_lines(marks):
        st.markdown("- " + widgets.safe(line))
    st.caption(f"{insight.MARK_COLUMN}: late, revised or an implausible jump (how each is "
               "decided is on the About page).")
    st.caption("Status: official (uploaded from the published source) or illustrative "
               "(generated, not official statistics); a row is illustrative if the area's "
               "figure or Scotland's is, and a committee's sum is illustrative if any council "
               "in it is.")
    widgets.prepared_downloads(v.profile_download, key="area-profile")
    widgets.method_note(v.methods)
    ui.illustrative_notice(v.batch_ids)
    if st.toggle("Show a small trend chart for each indicator", key="area-small-charts"):
        columns = st.columns(3)
        for index, small in enumerate(ui.view(area_profile.small_charts, area=v.area)):
            with columns[index % 3]:
                st.caption(widgets.safe(small.name))
                widgets.chart(small.chart)
                st.caption(small.sentence)

st.header("Actions that touch this area")
st.write(v.actions_sentence)
if not v.local_actions.empty:
    widgets.readable_table(v.local_actions, key="area-local-actions")

st.header("Planning review findings")
if v.area == common.SCOTLAND:
    st.write("See the Planning review page for every area.")
elif v.review_sentence is None:
    st.write("No planning-review assessment is loaded for this area.")
else:
    st.write(v.review_sentence)
    widgets.readable_table(v.findings, key="area-findings")
    ui.illustrative_notice(v.findings_batches)
