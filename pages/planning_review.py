"""Planning review: the Leadership Group's first-year review of how child protection is built
into each area's planning processes - ratings, findings, recommendations and progress."""

import streamlit as st

from cpip_dashboard import ui
from cpip_dashboard.ui import widgets
from cpip_dashboard.views import common
from cpip_dashboard.views import review as views

ui.require("review")
area = ui.current_area()
ui.page_header("Planning review", "How child protection is built into each area's planning "
               "and service-delivery processes: the Leadership Group's first-year review.")

meeting = widgets.meeting_selector(ui.view(common.meeting_list))
v = ui.view(views.view, meeting=meeting, area=area)
if v.empty_sentence:
    st.write(v.empty_sentence)
    st.stop()
ui.illustrative_notice(v.batch_ids)
st.caption(v.scale_note)
codes = [c.code for c in v.criteria]

st.header("Ratings by area and criterion")
sort = st.radio("Sort areas", ["By name", "Weakest first"], horizontal=True, key="review-sort")
display = v.matrix_weakest if sort == "Weakest first" else v.matrix_by_name
with st.container(key="wide-review-grid"):  # the grid, on a screen wide enough for it
    event = ui.data_table(
        display.style.map(views.cell_style, subset=codes),
        column_config={"Area": st.column_config.TextColumn("Area", pinned=True),
                       **{c.code: st.column_config.TextColumn(
                           c.name, help=f"{c.code}: {c.question}", width="medium")
                          for c in v.criteria}},
        on_select="rerun", selection_mode="single-cell", key="review-grid")
with st.container(key="phone-review-grid"):  # on a phone: a card per area, no sideways swipe
    widgets.readable_table(display, key="review-cards")
picked = list(event.selection.cells) if event else []
if picked and picked != st.session_state.get("review-picked"):
    st.session_state["review-picked"] = picked
    row, column = picked[0]
    st.session_state["review-area"] = display.index[row]
    if column in codes:
        st.session_state["review-criterion"] = column
st.caption("Choose a cell to see that assessment's evidence, finding and recommendation below.")
widgets.prepared_downloads(v.matrix_download, key="review-matrix")

st.subheader("One assessment")
pick = st.columns(2)
names = {c.code: f"{c.code} {c.name}" for c in v.criteria}
chosen_area = pick[0].selectbox("Area", list(display.index), format_func=v.area_names.get,
                                key="review-area")
chosen_crit = pick[1].selectbox("Criterion", codes, key="review-criterion",
                                format_func=names.get)
detail = v.detail(chosen_area, chosen_crit)
if detail is None:
    st.write("No assessment for this area and criterion.")
else:
    widgets.readable_table(detail, key="review-assessment")

st.header(v.themes_header)
if v.themes_chart is not None:
    widgets.chart(v.themes_chart)
st.caption(v.themes_sentence)
if v.themes_chart is not None:
    with st.expander("Table: " + v.themes_header):
        ui.data_table(v.themes_table)
elif not v.themes_table.empty:
    ui.data_table(v.themes_table)

st.header("Areas needing support")
st.caption(v.support_note)
if v.support.empty:
    st.write("No area has two or more Weak or Unsatisfactory ratings.")
else:
    widgets.readable_table(v.support, key="review-support")

st.header("Progress on recommendations")
for column, (label, value) in zip(st.columns(4), v.progress.items(), strict=True):
    column.metric(label, value)
st.caption(v.overdue_note)
with st.expander(f"All {len(v.recommendations)} recommendations"):
    ui.data_table(v.recommendations)
widgets.prepared_downloads(v.recommendations_download, key="review-recs")
