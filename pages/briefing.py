"""Briefing: how the programme stands as at a meeting, for the Minister's office."""

import streamlit as st

from cpip_dashboard import charts, rag, register, ui
from cpip_dashboard.queries import meetings, register_as_at, workstreams
from cpip_dashboard.ui import widgets

who = ui.require("briefing")
area = ui.current_area()
directory = ui.directory()

top_left, top_right = st.columns([3, 1])
with top_right:
    meeting = widgets.meeting_selector(ui.q(meetings))
data = ui.q(register_as_at, meeting)
now = register.for_area(data["now"], area, directory)
before = None if data["before"] is None else register.for_area(data["before"], area, directory)
area_text = "" if area == "S92000003" else f" for {directory.name(area)} (national and local)"
with top_left:
    st.title(f"Programme status at {widgets.long_date(data['meeting'])}")
    st.caption(f"{len(now)} actions{area_text}. Status is as reported at each meeting; "
               "definitions of each status are on the About page.")
ui.illustrative_notice(set(now["batch_id"]))

counts = register.counts(now)
previous_counts = register.counts(before) if before is not None else None
worse_if_more = {"Red", "Amber", "Not started"}
for column, name in zip(st.columns(len(rag.NAMES)), ("Complete", "Green", "Amber", "Red",
                                                     "Not started"), strict=True):
    delta, arrow = None, "auto"
    if previous_counts is not None:
        change = counts[name] - previous_counts[name]
        delta = f"{change:+d} since {widgets.long_date(data['previous'])}" if change else \
            f"no change since {widgets.long_date(data['previous'])}"
        arrow = "auto" if change else "off"
    column.metric(rag.label(name), counts[name], delta,
                  delta_color=("inverse" if name in worse_if_more else "normal")
                  if delta and arrow == "auto" else "off",
                  delta_arrow=arrow, help=rag.BY_NAME[name].definition)
st.subheader(register.headline_sentence(counts, previous_counts, data["previous"]))

left, right = st.columns([3, 2])
with left:
    st.header("RAG by workstream")
    table = charts.rag_by_workstream_table(now, ui.q(workstreams))
    sentence = charts.describe_rag_by_workstream(table)
    if table.empty:
        st.write("No actions to show.")
    else:
        st.altair_chart(charts.rag_by_workstream(table, sentence), width="stretch")
    st.caption(sentence)
    with st.expander("Table: RAG by workstream"):
        shown = table.rename(columns={n: rag.label(n) for n in rag.NAMES})
        ui.data_table(shown)
        ui.download_buttons(shown, f"rag-by-workstream-{data['meeting']}")
with right:
    st.header("Movement since the last meeting")
    moved = register.movement(now, before)
    if before is None:
        st.write("This is the first meeting in the record: there is nothing to compare with.")
    else:
        st.write(register.movement_sentence(moved, data["previous"]))
        changed = register.moved_actions(moved, now)
        if changed.empty:
            st.write("No action changed status.")
        else:
            ui.data_table(changed)

st.header("Needs attention")
st.caption("Red or Amber, overdue (the due date has passed and it is not complete), or stale "
           "(started and not complete, but no update counts for this meeting). Commentary is "
           "as reported.")
attention = register.exceptions(now)
if attention.empty:
    st.write("Nothing needs attention at this meeting.")
else:
    exceptions = attention.assign(
        RAG=attention["rag"].map(rag.label), Flags=attention["flags"].map("; ".join),
        Due=attention["effective_due"].map(lambda d: d.isoformat() if d else ""),
    ).rename(columns={"ref": "Ref", "title": "Action", "lead": "Lead",
                      "commentary": "Latest commentary"})[
        ["Ref", "Action", "Lead", "RAG", "Due", "Flags", "Latest commentary"]]
    ui.data_table(exceptions)
    ui.download_buttons(exceptions, f"needs-attention-{data['meeting']}")

widgets.headline_indicators(area)

st.header("Meeting pack")
st.caption("A PDF of this briefing as at the chosen meeting, for the chosen area, to circulate "
           "before the meeting. Each pack is archived with the data version it was built from.")
if data["meeting"] is None:
    st.write("No meetings are loaded, so there is no pack to make.")
elif st.button("Prepare the meeting pack", key="briefing-pack"):
    st.session_state["briefing-pack-pdf"] = widgets.meeting_pack(data["meeting"], area, who)
prepared = st.session_state.get("briefing-pack-pdf")
if prepared and prepared[0] == (data["meeting"], area):
    st.download_button("Download the meeting pack (PDF)", prepared[1],
                       f"cpip-meeting-pack-{data['meeting']}-{area}.pdf", "application/pdf",
                       key="briefing-pack-download")
