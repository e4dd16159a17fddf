"""Briefing: how the programme stands as at a meeting, for the Minister's office."""

import datetime as dt

import streamlit as st

from cpip_dashboard import ui
from cpip_dashboard.ui import widgets
from cpip_dashboard.views import briefing, common, insight, pack

who = ui.require("briefing")
area = ui.current_area()

top_left, top_right = st.columns([3, 1])
with top_right:
    meeting = widgets.meeting_selector(ui.view(common.meeting_list), offer_now=True)
v = ui.view(briefing.view, meeting=meeting, area=area)
with top_left:
    st.title(v.title)
    st.caption(v.intro)
ui.illustrative_notice(v.batch_ids)

for column, count in zip(st.columns(len(v.counts)), v.counts, strict=True):
    column.metric(count.label, count.value, count.delta, delta_color=count.delta_color,
                  delta_arrow=count.delta_arrow, help=count.help)
st.markdown(f"**{widgets.safe(v.headline)}**")  # a sentence, not a heading

left, right = st.columns([3, 2])
with left:
    st.header("RAG by workstream")
    if v.workstream_chart is None:
        st.write("No actions to show.")
    else:
        widgets.chart(v.workstream_chart)
    st.caption(v.workstream_sentence)
    with st.expander("Table: RAG by workstream"):
        ui.data_table(v.workstream_table)
        widgets.prepared_downloads(v.workstream_download, key="briefing-workstreams")
with right:
    st.header(v.movement_heading)
    if v.movement_sentence is None:
        st.write(briefing.FIRST_MEETING)
    else:
        st.write(v.movement_sentence)
        if v.moved.empty:
            st.write(briefing.NO_MOVES)
        else:
            widgets.readable_table(v.moved, key="briefing-moved")

st.header("Needs attention")
st.caption("Red or Amber, overdue (the due date has passed and it is not complete), or stale "
           "(started and not complete, but no update counts for this meeting). Commentary is "
           "as reported.")
if v.attention.empty:
    st.write("Nothing needs attention at this meeting.")
else:
    widgets.readable_table(v.attention, key="briefing-attention")
    widgets.prepared_downloads(v.attention_download, key="briefing-attention")

i = ui.view(insight.briefing, meeting=v.meeting, area=area)
st.header("Register and figures")
st.caption(i.flags_sentence)
for flag in i.flags.itertuples(index=False):
    st.markdown(f"- **{widgets.safe(flag.Ref)}** ({widgets.safe(flag.RAG)}): "
                + widgets.safe(flag.Why))
st.header("New since the last meeting")
st.caption(i.new_window)
for line in i.new_lines:
    st.markdown("- " + widgets.safe(line))

widgets.headline_tiles(v, area)

st.header("Meeting pack")
st.caption("A PDF of this briefing as at the chosen meeting, for the chosen area, to circulate "
           "before the meeting. Each pack is archived with the data version it was built from "
           "and the release of the indicators it shows.")
if v.meeting is None:
    st.write("No meetings are loaded, so there is no pack to make.")
elif isinstance(v.meeting, common.Now):
    st.write("Packs are prepared for meetings, not for Now: choose a meeting above to prepare "
             "its pack.")
elif st.button("Prepare the meeting pack", key="briefing-pack"):
    st.session_state["briefing-pack-pdf"] = widgets.meeting_pack(v.meeting, area, who)
prepared = st.session_state.get("briefing-pack-pdf")
if prepared and prepared[0] == (v.meeting, area):
    st.download_button("Download the meeting pack (PDF)", prepared[1],
                       pack.file_name(v.meeting, v.area_name), "application/pdf",
                       key="briefing-pack-download")

st.subheader("Packs prepared for this meeting")
packs = ui.live(pack.archived_packs, v.meeting) if isinstance(v.meeting, dt.date) else []
if not packs:
    st.write("No pack has been prepared for this meeting yet.")
else:
    st.caption("Each pack is kept exactly as circulated (its sha256 fingerprint proves it). A pack "
               "prepared before the data last changed shows the figures of its own data version.")
    ui.data_table(pack.packs_table(packs, ui.directory()))
    labels = {p.pack_id: f"Pack {p.pack_id}: {ui.directory().name(p.area)}, prepared "
                         f"{p.created_at:%d %B %Y %H:%M} UTC by {p.user}" for p in packs}
    chosen = st.selectbox("Pack to download", list(labels), format_func=labels.get,
                          key="briefing-archived-pack")
    chosen_pack = next(p for p in packs if p.pack_id == chosen)
    name = pack.file_name(chosen_pack.meeting, ui.directory().name(chosen_pack.area))
    st.download_button("Download this pack as circulated (PDF)",
                       ui.live(pack.archived_pdf, chosen), name, "application/pdf",
                       key="briefing-archived-download", on_click=widgets.audit_download,
                       args=(f"{name} (archived pack {chosen})",))
