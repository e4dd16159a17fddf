"""Planning review: the Leadership Group's first-year review of how child protection is built
into each area's planning processes - ratings, findings, recommendations and progress."""

import datetime as dt

import altair as alt
import streamlit as st

from cpip_dashboard import review, ui
from cpip_dashboard.queries import criteria, meetings, review_assessments
from cpip_dashboard.ui import widgets

ui.require("review")
area = ui.current_area()
directory = ui.directory()
ui.page_header("Planning review", "How child protection is built into each area's planning "
               "and service-delivery processes: the Leadership Group's first-year review.")

meeting = widgets.meeting_selector(ui.q(meetings))
all_rows = ui.q(review_assessments)
current = review.as_at(all_rows, meeting)
shown = review.for_area(current, area, directory)
crit = ui.q(criteria)
codes = list(crit["code"])
if shown.empty:
    st.write("No planning-review assessment is loaded" + (
        "" if area == "S92000003" else f" for {directory.name(area)}") + " as at this meeting.")
    st.stop()
ui.illustrative_notice({int(b) for b in shown["batch_id"]})
st.caption("Ratings use the six-point scale: " + ", ".join(
    f"{r} ({review.ABBREVIATIONS[r]})" for r in review.RATINGS)
    + ". Each cell shows the rating in words; colour only repeats it.")

st.header("Ratings by area and criterion")
sort = st.radio("Sort areas", ["By name", "Weakest first"], horizontal=True, key="review-sort")
table = review.matrix(shown, directory, codes, "weakest" if sort == "Weakest first" else "area")
display = review.matrix_cells(table, codes)
event = ui.data_table(display.style.map(review.cell_style, subset=codes),
                      column_config={c: st.column_config.TextColumn(
                          c, help=crit.set_index("code").loc[c, "dimension"], width="small")
                          for c in codes},
                      on_select="rerun", selection_mode="single-cell", key="review-grid")
picked = list(event.selection.cells) if event else []
if picked and picked != st.session_state.get("review-picked"):
    st.session_state["review-picked"] = picked
    row, column = picked[0]
    st.session_state["review-area"] = display.index[row]
    if column in codes:
        st.session_state["review-criterion"] = column
st.caption("Choose a cell to see that assessment's evidence, finding and recommendation below.")
ui.download_buttons(review.matrix_download(table, codes), f"planning-review-matrix-{meeting}",
                    key="review-matrix")

st.subheader("One assessment")
pick = st.columns(2)
chosen_area = pick[0].selectbox("Area", list(display.index), format_func=directory.name,
                                key="review-area")
chosen_crit = pick[1].selectbox(
    "Criterion", codes, key="review-criterion",
    format_func=lambda c: f"{c} {crit.set_index('code').loc[c, 'dimension']}")
match = shown[(shown["area_code"] == chosen_area) & (shown["criterion_code"] == chosen_crit)]
if match.empty:
    st.write("No assessment for this area and criterion.")
else:
    ui.data_table(review.assessment_detail(match.iloc[0], crit.set_index("code").loc[chosen_crit]),
                  key="assessment-detail")

st.header("National themes")
themes = review.themes(shown, crit)
sentence = review.describe_themes(themes)
chart = alt.Chart(themes.head(17)).mark_bar(color="#d94801").encode(
    y=alt.Y("code:N", sort=list(themes["code"]), title="Criterion"),
    x=alt.X("weak:Q", title="Areas rated Weak or Unsatisfactory",
            axis=alt.Axis(tickMinStep=1)),
    tooltip=["code", "criterion", "weak", "assessed"],
).properties(height=alt.Step(18), description=sentence)
st.altair_chart(chart, width="stretch")
st.caption(sentence)
with st.expander("Table of national themes"):
    ui.data_table(review.themes_table(themes))

st.header("Areas needing support")
st.caption(f"Every area with {review.NEEDS_SUPPORT_AT} or more ratings of Weak or "
           "Unsatisfactory: those assessments, and the area's recommendations, open or done.")
support = review.needing_support(shown)
if support.empty:
    st.write("No area has two or more Weak or Unsatisfactory ratings.")
else:
    ui.data_table(review.support_table(support, directory))

st.header("Progress on recommendations")
day = meeting or dt.date.today()
counts = review.progress(shown, day)
cols = st.columns(4)
for column, (label, value) in zip(cols, counts.items(), strict=True):
    column.metric(label, value)
st.caption(f"Overdue: target date before {widgets.long_date(day)} and not done.")
recs_table = review.recommendations_table(shown, day, directory)
with st.expander(f"All {len(recs_table)} recommendations"):
    ui.data_table(recs_table)
ui.download_buttons(recs_table, f"planning-review-recommendations-{meeting}",
                    key="review-recs")
