"""Action register: every action as at a meeting, filtered, with one action's full history."""

import streamlit as st

from cpip_dashboard import rag, register, ui
from cpip_dashboard.queries import indicator_catalogue, meetings, register_as_at, workstreams
from cpip_dashboard.ui import widgets

ui.require("actions")
area = ui.current_area()
directory = ui.directory()
ui.page_header("Action register", "The programme's actions as they stood at a Leadership "
               "Group meeting: filter them, and open one to see its whole history.")

meeting = widgets.meeting_selector(ui.q(meetings))
data = ui.q(register_as_at, meeting)
actions = register.for_area(data["now"], area, directory)
ui.illustrative_notice(set(actions["batch_id"]))
ws = ui.q(workstreams)
ws_names = dict(zip(ws["code"], ws["name"], strict=True))

with st.container(border=True):
    c1, c2, c3, c4 = st.columns(4)
    chosen_ws = c1.multiselect("Workstream", list(ws["code"]), format_func=ws_names.get,
                               key="actions-ws")
    chosen_lead = c2.multiselect("Lead", sorted(actions["lead"].unique()), key="actions-lead")
    chosen_rag = c3.multiselect("RAG", list(rag.NAMES), format_func=rag.label, key="actions-rag")
    chosen_flags = c4.multiselect("Flags", list(register.FLAGS), key="actions-flags")
    st.caption("Area: " + ("every action (national and local)" if area == "S92000003" else
                           f"national actions and those for {directory.name(area)}")
               + " - change it in the sidebar. Flags: "
               + "; ".join(f"{k}: {v}" for k, v in register.FLAGS.items()) + ".")

shown = register.filtered(actions, chosen_ws, chosen_lead, chosen_rag, chosen_flags)
table = register.register_table(shown, ws_names, directory)
st.write(f"{len(table)} of {len(actions)} actions as at {widgets.long_date(data['meeting'])}.")
ui.data_table(table)
ui.download_buttons(table, f"action-register-{data['meeting']}")

st.header("One action's history")
if shown.empty:
    st.write("No action matches these filters.")
    st.stop()
ref = st.selectbox("Action", list(shown["ref"]), key="actions-history",
                   format_func=lambda r: f"{r}: {shown.set_index('ref').loc[r, 'title'][:90]}")
action = shown.set_index("ref").loc[ref]
st.subheader(ref)
st.text(action["title"])
st.caption(f"Lead: {widgets.safe(action['lead'])}. Workstream: "
           f"{ws_names.get(action['workstream'])}. "
           f"Source: {widgets.safe(action['source'] or 'not given')}.")
history = register.history(data["updates"], ref, data["meeting"])
if len(history):
    last = history.iloc[-1]
    st.caption(f"Latest update, {last['reporting_date']:%d %B %Y}: {rag.label(last['rag'])}")
    st.text(last["commentary"] if isinstance(last["commentary"], str) else "(no commentary)")
ui.data_table(register.history_table(history))
moves = register.due_date_moves(data["versions"], ref, history)
if moves:
    st.caption(f"Due date changes: {' → '.join(moves)}.")
linked = [c for c in str(action["indicators"]).split(",") if c]
if linked:
    catalogue = ui.q(indicator_catalogue).set_index("code")
    st.write("Indicators this action is meant to move:")
    for code in linked:
        label = catalogue.loc[code, "name"] if code in catalogue.index else code
        st.page_link("pages/indicators.py", label=widgets.safe(f"{label} ({code})"),
                     query_params={"indicator": code})
widgets.review_links(ref)
