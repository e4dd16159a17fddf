"""Upload (secretariat only): templates; upload -> checks -> preview -> confirm; batch history
with rollback. Every write goes through the import pipeline as one batch."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from cpip_dashboard import config, templates, ui
from cpip_dashboard.imports import preview
from cpip_dashboard.imports.kinds import KINDS
from cpip_dashboard.imports.marking import marked_workbook
from cpip_dashboard.imports.pipeline import ImportReport, run_import
from cpip_dashboard.imports.reading import ReadError, read_file
from cpip_dashboard.queries import audit_events, batch_table, indicator_catalogue
from cpip_dashboard.rollback import rollback
from cpip_dashboard.ui import data as ui_data
from cpip_dashboard.ui import widgets

who = ui.require("upload")
ui.page_header("Upload", "Load an updated spreadsheet: it is checked, you see exactly what "
               "will change, and nothing is written until you confirm. Any batch can be rolled "
               "back.")

catalogue = ui.q(indicator_catalogue)
st.header("1. Templates")
kind = st.selectbox("Template for", list(KINDS), format_func=lambda k: KINDS[k].sheet,
                    key="upload-template-kind")
st.caption(widgets.safe(KINDS[kind].description) + " Each template has a Notes sheet "
           "explaining every column and a Lists sheet with the allowed values.")
st.download_button(f"Download the {KINDS[kind].sheet} template",
                   templates.template_bytes(kind, list(catalogue["code"])),
                   f"cpip-template-{kind}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="upload-template")

st.header("2. Upload and check")
max_mb = config.max_upload_mb()
uploaded = st.file_uploader(
    f"Spreadsheet (.xlsx, .xlsm or .csv, up to {max_mb} MB)", type=["xlsx", "xlsm", "csv", "xls"],
    key="upload-file")
options = st.columns(2)
forced_kind = options[0].selectbox(
    "Sheet kind", [None, *KINDS], key="upload-kind",
    format_func=lambda k: "Detect from sheet names and headers" if k is None else KINDS[k].sheet)
indicator = options[1].selectbox(
    "Indicator (for published tables that do not name one)", [None, *catalogue["code"]],
    key="upload-indicator", format_func=lambda c: "Detect from the sheet" if c is None else c)


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _preview(report) -> None:
    st.subheader("What would change")
    ui.data_table(preview.sheets_table(report))
    changed, added = preview.counts(report)
    area_name = ui.directory().name
    if changed:
        st.write(f"{_rows(changed)} changed (old and new values side by side):")
        ui.data_table(preview.changed_table(report, area_name), key="preview-changed")
    if added:
        st.write(f"{_rows(added)} added" + (f" (the first {preview.MAX_ADDED} shown):"
                                            if added > preview.MAX_ADDED else ":"))
        ui.data_table(preview.added_table(report, area_name), key="preview-added")
    if report.warnings:
        count = len(report.warnings)
        st.write(f"{count:,} warning{'' if count == 1 else 's'} (these rows will load; check "
                 f"{'it' if count == 1 else 'them'}):")
        ui.data_table(preview.problems_table(report.warnings), key="preview-warnings")


def _import(name: str, data: bytes, dry_run: bool):
    """The shared pipeline; a database failure is a sentence (the transaction rolled back)."""
    try:
        return run_import(ui.engine(), name, data, user=who.label, kind=forced_kind,
                          indicator=indicator, dry_run=dry_run, max_mb=max_mb)
    except SQLAlchemyError as exc:
        return ImportReport("unreadable", name, "", dry_run,
                            "The database could not complete this upload "
                            f"({type(exc).__name__}); nothing was loaded. Try again in a "
                            "minute; if it happens again, tell whoever runs the dashboard.")


if uploaded is not None:
    data = uploaded.getvalue()
    key = (uploaded.name, len(data), hash(data), forced_kind, indicator)
    if st.session_state.get("upload-report-key") != key:
        st.session_state["upload-report-key"] = key
        st.session_state["upload-report"] = _import(uploaded.name, data, dry_run=True)
        st.session_state.pop("upload-result", None)
    report = st.session_state["upload-report"]
    result = st.session_state.get("upload-result")
    if result is not None:
        show = {"committed": st.success, "no_change": st.info}.get(result.outcome, st.error)
        show(widgets.safe(result.message))
    elif report.outcome == "unreadable":
        st.error(widgets.safe(report.message))
    elif report.outcome == "rejected":
        st.error(widgets.safe(report.message))
        if report.warnings:
            st.caption("Errors stop the file loading; warnings alone would not.")
        ui.data_table(preview.problems_table(report.errors + report.warnings), key="problems")
        try:
            sheets = read_file(uploaded.name, data, max_mb)
            st.download_button("Download the file with problem cells marked",
                               marked_workbook(sheets, report.errors + report.warnings),
                               f"problems-{uploaded.name.rsplit('.', 1)[0]}.xlsx",
                               key="upload-marked")
        except ReadError:
            pass
    elif report.outcome == "no_change":
        st.info(widgets.safe(report.message))
    else:
        totals = report.totals()
        st.success(f"Checks passed: {totals['added']:,} added, {totals['changed']:,} changed, "
                   f"{totals['unchanged']:,} unchanged. Nothing is written until you confirm "
                   "below.")
        _preview(report)
        st.header("3. Confirm")
        if st.button("Load this file as a new batch", type="primary", key="upload-confirm"):
            outcome = _import(uploaded.name, data, dry_run=False)
            st.session_state["upload-result"] = outcome
            ui_data.clear()
            st.rerun()

st.header("Batch history")
result = st.session_state.pop("rollback-result", None)
if result is not None:
    (st.success if result.ok else st.error)(widgets.safe(result.message))
batches = ui.q(batch_table)
if batches.empty:
    st.write("No batches yet.")
    st.stop()
ui.data_table(batches, key="batches")
with st.expander("Recent activity (audit trail): uploads, rollbacks, packs, downloads, sign-ins"):
    ui.data_table(ui.q(audit_events, 200), key="audit")
current = batches[batches["State"] == "Current"]
if current.empty:
    st.write("Every batch is rolled back.")
    st.stop()


def _forget_pending() -> None:
    st.session_state.pop("rollback-pending", None)


@st.dialog("Roll back a batch", on_dismiss=_forget_pending)
def _confirm_rollback(batch_id: int, file_name: str) -> None:
    st.write(f"Roll back batch {batch_id} ({widgets.safe(file_name)})? Its rows leave every "
             "page at once; history keeps them. To restore it, upload the same file again.")
    yes, no = st.columns(2)
    if yes.button("Yes, roll it back", type="primary", key="rollback-yes"):
        _forget_pending()
        st.session_state["rollback-result"] = rollback(ui.engine(), batch_id, who.label)
        ui_data.clear()
        st.rerun()
    if no.button("Cancel", key="rollback-no"):
        _forget_pending()
        st.rerun()


choice = st.selectbox("Batch to roll back", list(current["Batch"]), key="rollback-batch",
                      format_func=lambda b: f"Batch {b}: " + str(
                          current.set_index("Batch").loc[b, "File"]))
if st.button("Roll back…", key="rollback"):
    st.session_state["rollback-pending"] = int(choice)
pending = st.session_state.get("rollback-pending")
if pending is not None and pending in set(current["Batch"]):
    _confirm_rollback(pending, str(current.set_index("Batch").loc[pending, "File"]))
