"""Upload (secretariat only): uploads awaiting approval (preview, approve, reject, withdraw);
templates; upload -> checks -> preview -> confirm; batch history with rollback. Every write goes
through the import pipeline as one batch, and every write function checks who acts itself."""

import streamlit as st

from cpip_dashboard import ui
from cpip_dashboard.ui import data as ui_data
from cpip_dashboard.ui import widgets
from cpip_dashboard.views import common, insight, upload

who = ui.require("upload")
try:  # the same secrets the frame reads (none at all in local mode without a file)
    secrets = st.secrets.to_dict()
except FileNotFoundError:
    secrets = {}
settings = upload.settings(secrets)
if settings.error:
    st.error(widgets.safe(settings.error))
    st.stop()
mode, two_person = settings.mode, settings.two_person
ui.page_header("Upload", settings.intro)
for warning in settings.warnings:
    st.warning(widgets.safe(warning))


def _preview(snapshot: dict, key: str) -> None:
    """The preview the uploader sees, and the approver sees the same (stored with the batch)."""
    p = upload.preview_of(snapshot)
    ui.data_table(p.sheets, key=f"{key}-sheets")
    for sentence, table, suffix in p.sections():
        st.write(sentence)
        ui.data_table(table, key=f"{key}-{suffix}")


def _decide(decision, *args) -> None:
    """Approve, reject or withdraw (the function checks who acts); a database failure is a
    sentence, and nothing changed (the transaction rolled back)."""
    st.session_state["upload-approval-result"] = upload.decide(decision, ui.engine(), *args)
    ui_data.clear()
    st.rerun()


view = upload.batches(ui.engine())
result = st.session_state.pop("upload-approval-result", None)
if result is not None:
    (st.success if result.ok else st.error)(widgets.safe(result.message))
if view["pending"]:
    st.header("Awaiting approval")
    st.caption("A pending upload is stored but shows on no page, download or pack until "
               "another secretariat member approves it. Uploads that change what it changes "
               "wait until it is decided.")
for batch in view["pending"]:
    batch_id, mine = batch["batch_id"], upload.same_person(
        who, batch["user_id"], batch["user"])
    with st.container(border=True):
        st.subheader(f"Batch {batch_id}: {widgets.safe(batch['file'])}")
        totals = batch["changes"]
        st.write(f"Uploaded by {widgets.safe(batch['user'])} at "
                 f"{batch['committed_at'].replace('T', ' ').rstrip('Z')} UTC: "
                 f"{totals['added']:,} added, {totals['changed']:,} changed, "
                 f"{totals['unchanged']:,} unchanged.")
        if batch["preview"] is not None:
            _preview(batch["preview"], key=f"upload-pending-{batch_id}")
        if mine:
            st.caption("You uploaded this batch, so another secretariat member must approve "
                       "it. You can withdraw it.")
            reason = st.text_input("Why withdraw it (optional)", key=f"upload-withdraw-reason-{batch_id}")
            if st.button("Withdraw this upload", key=f"upload-withdraw-{batch_id}"):
                _decide(upload.withdraw, batch_id, who, reason)
            continue
        left, right = st.columns(2)
        if left.button("Approve: make it current", type="primary", key=f"upload-approve-{batch_id}"):
            _decide(upload.approve, batch_id, who)
        reason = right.text_input("Reason for rejecting (the uploader reads it)",
                                  key=f"upload-reject-reason-{batch_id}")
        if right.button("Reject", key=f"upload-reject-{batch_id}"):
            _decide(upload.reject, batch_id, who, reason)

catalogue = ui.q(upload.indicator_catalogue)
st.header("1. Templates")
kind = st.selectbox("Template for", list(upload.KIND_CHOICES),
                    format_func=lambda k: upload.KINDS[k].sheet,
                    index=upload.KIND_CHOICES.index(upload.FIRST_TEMPLATE),
                    key="upload-template-kind")
st.caption(widgets.safe(upload.KINDS[kind].description) + " Each template has a Notes sheet "
           "explaining every column and a Lists sheet with the allowed values.")
st.download_button(f"Download the {upload.KINDS[kind].sheet} template",
                   upload.template_bytes(kind, list(catalogue["code"])),
                   f"cpip-template-{kind}.xlsx", upload.XLSX, key="upload-template")
if kind == "updates":
    st.download_button("Download the Updates template pre-filled with the current actions",
                       ui.q(upload.prefilled_updates, tuple(catalogue["code"])),
                       "cpip-template-updates-current.xlsx", upload.XLSX,
                       key="upload-template-current",
                       help="Each current action's ID, title, lead and last RAG are filled "
                            "in: type only the new reporting date, RAG and commentary. Rows "
                            "left without news are skipped on upload.")

st.header("2. Upload and check")
max_mb = upload.max_upload_mb()
uploaded = st.file_uploader(
    f"Spreadsheet (.xlsx, .xlsm or .csv, up to {max_mb} MB)", type=upload.FILE_TYPES,
    key="upload-file")
if uploaded is not None:
    st.text(f"File: {uploaded.name}")  # the whole name (the uploader cuts a long one short)
options = st.columns(2)
forced_kind = options[0].selectbox(
    "Sheet kind", [None, *upload.KIND_CHOICES], key="upload-kind",
    format_func=lambda k: "Detect from sheet names and headers" if k is None
    else upload.KINDS[k].sheet)
indicator = options[1].selectbox(
    "Indicator (for published tables that do not name one)", [None, *catalogue["code"]],
    key="upload-indicator", format_func=lambda c: "Detect from the sheet" if c is None else c)


def _import(name: str, data: bytes, dry_run: bool):
    """The shared pipeline; a database failure is a sentence (the transaction rolled back)."""
    return upload.check(ui.engine(), name, data, who, forced_kind, indicator, dry_run, max_mb,
                        mode)


if uploaded is not None:
    data = uploaded.getvalue()
    key = (uploaded.name, len(data), hash(data), forced_kind, indicator)
    if st.session_state.get("upload-report-key") != key:
        st.session_state["upload-report-key"] = key
        st.session_state["upload-report"] = _import(uploaded.name, data, dry_run=True)
        st.session_state.pop("upload-doubts", None)  # worked out once per checked file, below
        st.session_state.pop("upload-result", None)
    report = st.session_state["upload-report"]
    result = st.session_state.get("upload-result")
    if result is not None:
        show = {upload.Outcome.COMMITTED: st.success, upload.Outcome.PENDING: st.success,
                upload.Outcome.NO_CHANGE: st.info}.get(result.outcome, st.error)
        show(widgets.safe(result.message))
    elif report.outcome == upload.Outcome.UNREADABLE:
        st.error(widgets.safe(report.message))
    elif report.outcome == upload.Outcome.REJECTED:
        st.error(widgets.safe(report.message))
        if report.warnings:
            st.caption("Errors stop the file loading; warnings alone would not.")
        # the Problem column wraps: taller rows, the widest column
        ui.data_table(upload.problems_with_ids(uploaded.name, data, max_mb,
                                               report.errors + report.warnings), key="upload-problems",
                      row_height=64, column_config={
                          "Problem": st.column_config.TextColumn(width="large")})
        marked = upload.marked_copy(uploaded.name, data, max_mb, report)
        if marked is not None:
            st.download_button("Download the file with problem cells marked", marked,
                               f"problems-{uploaded.name.rsplit('.', 1)[0]}.xlsx",
                               key="upload-marked")
    elif report.outcome == upload.Outcome.NO_CHANGE:
        st.info(widgets.safe(report.message))
    else:
        totals = report.totals()
        st.success(f"Checks passed: {totals['added']:,} added, {totals['changed']:,} changed, "
                   f"{totals['unchanged']:,} unchanged. Nothing is written until you confirm "
                   "below.")
        st.subheader("What would change")
        snap = upload.snapshot(report, ui.directory().name, ui.live(upload.action_updates))
        _preview(snap, key="upload-preview")
        where = upload.where_shown(snap, list(ui.view(common.meeting_list)["date"]))
        if where:
            st.write(where)
        if "upload-doubts" not in st.session_state:
            st.session_state["upload-doubts"] = ui.live(insight.upload_continuity, report)
        doubt_sentence, doubts = st.session_state["upload-doubts"]
        st.write(widgets.safe(doubt_sentence))
        if not doubts.empty:
            ui.data_table(doubts, key="upload-preview-doubts")
        st.header("3. Confirm")
        if two_person:
            st.caption("Two-person approval: the file is stored and waits for another "
                       "secretariat member to approve it; until then it shows nowhere.")
        label = "Submit this file for approval" if two_person else "Load this file as a new batch"
        if st.button(label, type="primary", key="upload-confirm"):
            outcome = _import(uploaded.name, data, dry_run=False)
            st.session_state["upload-result"] = outcome
            ui_data.clear()
            st.rerun()

st.header("Batch history")
result = st.session_state.pop("upload-rollback-result", None)
if result is not None:
    (st.success if result.ok else st.error)(widgets.safe(result.message))
batches = view["history"]
if batches.empty:
    st.write("No batches yet.")
    st.stop()
ui.data_table(batches, key="upload-batches")
with st.expander("Recent activity (audit trail): uploads, approvals, rollbacks, packs, "
                 "downloads, sign-ins"):
    ui.data_table(view["audit"], key="upload-audit")
current = upload.current_batches(batches)
if current.empty:
    st.write("Every batch is rolled back." if upload.all_rolled_back(batches)
             else "No batch is current.")
    st.stop()


def _forget_pending() -> None:
    st.session_state.pop("upload-rollback-pending", None)


@st.dialog("Roll back a batch", on_dismiss=_forget_pending)
def _confirm_rollback(batch_id: int, question: str) -> None:
    st.text(question)  # the file name and who loaded it are data: shown as text
    yes, no = st.columns(2)
    if yes.button("Yes, roll it back", type="primary", key="upload-rollback-yes"):
        _forget_pending()
        st.session_state["upload-rollback-result"] = upload.roll_back(ui.engine(), batch_id, who)
        ui_data.clear()
        st.rerun()
    if no.button("Cancel", key="upload-rollback-no"):
        _forget_pending()
        st.rerun()


# the choice starts on the newest batch that can be rolled back, and again whenever the batches
# change (a commit, a rollback): never on an old batch left chosen from before
newest = int(current["Batch"].iloc[0])
if st.session_state.get("upload-rollback-newest") != newest:
    st.session_state["upload-rollback-newest"] = newest
    st.session_state["upload-rollback-batch"] = newest
choice = st.selectbox("Batch to roll back", list(current["Batch"]), key="upload-rollback-batch",
                      format_func=lambda b: upload.rollback_label(current, b))
if st.button("Roll back…", key="upload-rollback"):
    st.session_state["upload-rollback-pending"] = int(choice)
pending = st.session_state.get("upload-rollback-pending")
if pending is not None and pending in set(current["Batch"]):
    _confirm_rollback(pending, upload.rollback_question(current, pending))
