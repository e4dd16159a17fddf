"""Action register: every action as at a meeting, filtered, with one action's full history."""

import pandas as pd
import streamlit as st

from cpip_dashboard import rag, register, ui
from cpip_dashboard.queries import indicator_catalogue, register_as_at, workstreams
from cpip_dashboard.ui import widgets

ui.require("actions")
area = ui.current_area()
directory = ui.directory()
ui.page_header("Action register", "The programme's actions as they stood at a Leadership "
               "Group meeting: filter them, and open one to see its whole history.")

meeting = widgets.meeting_selector(ui.q(register_as_at, None)["meetings"])
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

shown = actions
if chosen_ws:
    shown = shown[shown["workstream"].isin(chosen_ws)]
if chosen_lead:
    shown = shown[shown["lead"].isin(chosen_lead)]
if chosen_rag:
    shown = shown[shown["rag"].isin(chosen_rag)]
if chosen_flags:
    shown = shown[shown["flags"].map(
        lambda flags: any(f.startswith(c) for c in chosen_flags for f in flags))]

table = pd.DataFrame({
    "Ref": shown["ref"], "Action": shown["title"],
    "Workstream": shown["workstream"].map(ws_names),
    "Lead": shown["lead"],
    "Area": shown["areas"].map(lambda codes: ", ".join(
        directory.name(c) for c in str(codes).split(","))),
    "Due": shown["effective_due"].map(lambda d: d.isoformat() if d else ""),
    "RAG": shown["rag"].map(rag.label),
    "Progress %": shown["progress"].map(lambda p: "" if pd.isna(p) else f"{p:.0f}"),
    "Flags": shown["flags"].map("; ".join),
    "Last update": shown["last_update"].map(lambda d: d.isoformat() if d else ""),
})
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
history = data["updates"][data["updates"]["action_ref"] == ref].sort_values("reporting_date")
history = history[history["reporting_date"] <= data["meeting"]] if data["meeting"] else history
if len(history):
    last = history.iloc[-1]
    st.caption(f"Latest update, {last['reporting_date']:%d %B %Y}: {rag.label(last['rag'])}")
    st.text(last["commentary"] if isinstance(last["commentary"], str) else "(no commentary)")
ui.data_table(pd.DataFrame({
    "Reporting date": history["reporting_date"].map(lambda d: d.isoformat()),
    "RAG": history["rag"].map(rag.label),
    "Progress %": history["progress"].map(lambda p: "" if pd.isna(p) else f"{p:.0f}"),
    "Commentary": history["commentary"].fillna(""),
    "Next steps": history["next_steps"].fillna(""),
    "Revised due date": history["revised_due_date"].map(
        lambda d: d.isoformat() if d is not None and not pd.isna(d) else ""),
}))
versions = data["versions"][data["versions"]["ref"] == ref]
dues = [d for d in versions["due_date"]]
revised = [d for d in history["revised_due_date"] if d is not None and not pd.isna(d)]
if len(set(dues + revised)) > 1:
    moves = " → ".join(dict.fromkeys(d.isoformat() for d in dues + revised if d))
    st.caption(f"Due date changes: {moves}.")
linked = [c for c in str(action["indicators"]).split(",") if c]
if linked:
    catalogue = ui.q(indicator_catalogue).set_index("code")
    st.write("Indicators this action is meant to move:")
    for code in linked:
        label = catalogue.loc[code, "name"] if code in catalogue.index else code
        st.page_link("pages/indicators.py", label=widgets.safe(f"{label} ({code})"),
                     query_params={"indicator": code})
widgets.review_links(ref)
