"""Action register: every action as at a meeting, filtered, with one action's full history."""

import streamlit as st

from cpip_dashboard import ui
from cpip_dashboard.ui import widgets
from cpip_dashboard.views import actions, common, insight

ui.require("actions")
area = ui.current_area()
ui.page_header("Action register", "The programme's actions as they stood at a Leadership "
               "Group meeting: filter them, and open one to see its whole history.")

meeting = widgets.meeting_selector(ui.view(common.meeting_list), offer_now=True)
v = ui.view(actions.view, meeting=meeting, area=area)
ui.illustrative_notice(v.batch_ids)

with st.container(border=True):
    c1, c2, c3, c4 = st.columns(4)
    chosen_ws = c1.multiselect("Workstream", list(v.workstreams),
                               format_func=v.workstreams.get, key="actions-ws")
    chosen_lead = c2.multiselect("Lead", v.leads, key="actions-lead")
    chosen_rag = c3.multiselect("RAG", list(actions.RAG_CHOICES), format_func=actions.rag_label,
                                key="actions-rag")
    chosen_flags = c4.multiselect("Flags", list(actions.FLAG_CHOICES), key="actions-flags")
    st.caption(v.area_note)

f = ui.view(actions.filtered, meeting=v.meeting, area=area, workstreams=tuple(chosen_ws),
            leads=tuple(chosen_lead), rags=tuple(chosen_rag), flags=tuple(chosen_flags))
st.write(f.sentence)
widgets.readable_table(f.table, key="actions-register")
widgets.prepared_downloads(f.download, key="actions-register")

st.header("One action's history")
if not f.refs:
    st.write("No action matches these filters.")
    st.stop()
ref = st.selectbox("Action", f.refs, key="actions-history", format_func=f.titles.get)
h = ui.view(actions.history, meeting=v.meeting, area=area, ref=ref)
st.subheader(widgets.safe(h.ref))
st.text(h.title)
st.caption(widgets.safe(h.about))
if h.latest:
    st.caption(h.latest)
    st.text(h.latest_commentary)
ui.data_table(h.history)
if h.due_moves:
    st.caption(h.due_moves)
if h.indicators:
    st.write("Indicators this action is meant to move:")
    for code, name in h.indicators:
        st.page_link("pages/indicators.py", label=widgets.safe(name),
                     query_params={"indicator": code})
flagged, ways = ui.view(insight.action_flags, meeting=v.meeting, ref=h.ref)
for sentence in flagged:
    st.warning("Register and figures disagree: " + widgets.safe(sentence))
if not ways.empty:
    st.caption("Which way each linked indicator should move (the link's own, else its "
               "polarity):")
    ui.data_table(ways)
if not h.review_links.empty:
    st.write(f"Planning-review recommendations carried forward by {widgets.safe(h.ref)}:")
    ui.data_table(h.review_links)
