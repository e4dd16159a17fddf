"""The frame every page sits in: sign-in and role, banners, the shared area selector,
shareable query parameters, and the navigation (built per role)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.runtime.pages_manager import PagesManager

from .. import approval, audit, auth, config
from ..areas import SCOTLAND, AreaDirectory
from ..queries import area_directory, data_status
from .data import engine, q
from .widgets import safe

PAGES = (
    # slug, file, title, url path (CONTRACT.md); no icons: emoji fonts are not everywhere
    ("briefing", "pages/briefing.py", "Briefing", ""),
    ("actions", "pages/actions.py", "Action register", "actions"),
    ("indicators", "pages/indicators.py", "Indicators", "indicators"),
    ("area", "pages/area_profile.py", "Area profile", "area"),
    ("review", "pages/planning_review.py", "Planning review", "review"),
    ("upload", "pages/upload.py", "Upload", "upload"),
    ("about", "pages/about.py", "About", "about"),
)
SHARED_PARAMS = ("area", "meeting", "indicator", "present")


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        return {}


def identity() -> auth.Identity:
    user = st.user.to_dict() if hasattr(st.user, "to_dict") else dict(st.user)
    return auth.identify(_secrets(), user)


def _local_mode_unsafe(who: auth.Identity) -> bool:
    address = str(st.get_option("server.address") or "")
    return who.local_mode and address not in ("127.0.0.1", "localhost", "::1")


def _leave_pages_directory_mode() -> None:
    """A freshly started server runs `pages/x.py` alone for its first visitor (no session has
    reached `st.navigation` yet). Switch the server to navigation mode, as any run of app.py
    would, and rerun so this visitor gets the frame too."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def setup_problem() -> str | None:
    """What stops the dashboard working (a setting, the database), in a sentence; else None."""
    try:
        config.suppress_below()
        config.max_upload_mb()
    except ValueError as exc:
        return (f"The dashboard's settings need correcting: {safe(exc)} Ask whoever runs the "
                "dashboard to fix it.")
    try:
        engine()
    except SQLAlchemyError as exc:
        return ("The dashboard cannot reach its database just now "
                f"({safe(type(exc).__name__)}). Try again in a few minutes; if it persists, "
                "tell whoever runs the dashboard.")
    return None


def require(page: str) -> auth.Identity:
    """First thing on every page: signed in, and allowed this page - checked on the server."""
    _leave_pages_directory_mode()
    problem = setup_problem()
    if problem:
        st.error(problem)
        st.stop()
    who = identity()
    if _local_mode_unsafe(who):
        st.error("Local mode (no sign-in configured) only serves this machine: start the "
                 "dashboard with `make run`, or configure [auth] in .streamlit/secrets.toml.")
        st.stop()
    if not who.signed_in:
        st.title("Sign in")
        st.write("Sign in to see the CPIP Leadership Dashboard.")
        if st.button("Log in", type="primary"):
            st.login()
        st.stop()
    if who.role is None:
        no_access(who)
        st.stop()
    if not who.may_use(page):
        st.error("You do not have access to this page. The Upload page is for the "
                 "secretariat; ask the Scottish Government child protection unit if you need it.")
        st.stop()
    return who


def no_access(who: auth.Identity) -> None:
    st.title("No access yet")
    st.write(f"You are signed in as {who.email}, but this address is not on the dashboard's "
             "list of users.")
    st.write("Ask the secretariat (Scottish Government child protection unit) to add you, "
             "saying which committee or office you work for.")
    if st.button("Log out"):
        st.logout()


def _signin_page() -> None:
    require("briefing")


def _no_access_page() -> None:
    no_access(identity())


def navigation() -> st.navigation:
    """`st.navigation` over the pages this visitor may use; reached on every run."""
    who = identity()
    if not who.signed_in:
        pages = [st.Page(_signin_page, title="Sign in", url_path="signin", default=True)]
    elif who.role is None:
        pages = [st.Page(_no_access_page, title="No access", url_path="no-access", default=True)]
    else:
        available = [p for p in PAGES if who.may_use(p[0])]
        pages = [st.Page(path, title=title, url_path=url or slug, default=index == 0)
                 for index, (slug, path, title, url) in enumerate(available)]
    return st.navigation(pages)


# --- shared selections and query parameters -------------------------------------------------


def directory() -> AreaDirectory:
    return q(area_directory)


def area_options() -> list[str]:
    d = directory()
    return [SCOTLAND] + [a.code for a in d.councils()] + [a.code for a in d.cpcs()]


def area_label(code: str) -> str:
    d = directory()
    area = d.areas.get(code)
    if area is None:
        return code
    if area.kind == "cpc":
        members = ", ".join(d.name(m) for m in d.members(code))
        return f"CPC: {area.name} ({members})"
    return area.name


def _notice(text: str) -> None:
    st.session_state.setdefault("_notices", []).append(text)


def adopt_url(who: auth.Identity) -> None:
    """Take shared selections from the address when it changed from outside (first visit, a
    shared link, a page link), else keep the session's; unknown values get a short notice."""
    first = not st.session_state.get("_frame_initialised")
    st.session_state["_frame_initialised"] = True
    synced = st.session_state.setdefault("_synced", {})
    params = st.query_params
    options = area_options()
    default_area = who.area if who.area in options else SCOTLAND
    if first:
        st.session_state["area"] = default_area
    wanted = params.get("area")
    if wanted != synced.get("area") and wanted is not None:
        if wanted.upper() in options:
            st.session_state["area"] = wanted.upper()
        else:
            _notice(f"Area {wanted!r} in the address is not known; showing "
                    f"{area_label(default_area)}.")
            st.session_state["area"] = default_area
    meeting = params.get("meeting")
    if meeting != synced.get("meeting") and meeting is not None:
        try:
            st.session_state["meeting"] = dt.date.fromisoformat(meeting)
        except ValueError:
            _notice(f"Meeting date {meeting!r} in the address is not a date (YYYY-MM-DD); "
                    "showing the latest meeting.")
            st.session_state.pop("meeting", None)
    indicator = params.get("indicator")
    if indicator != synced.get("indicator") and indicator is not None:
        st.session_state["indicator"] = indicator.upper()
    present = params.get("present")
    # a move between pages arrives without the parameters: only a value in the address counts
    if present != synced.get("present") and present is not None:
        st.session_state["present"] = present == "1"


def sync_url() -> None:
    """Write the shared selections back to the address so the view can be shared."""
    values = {
        "area": st.session_state.get("area"),
        "meeting": st.session_state.get("meeting").isoformat()
        if isinstance(st.session_state.get("meeting"), dt.date) else None,
        "indicator": st.session_state.get("indicator"),
        "present": "1" if st.session_state.get("present") else None,
    }
    synced = st.session_state.setdefault("_synced", {})
    for key, value in values.items():
        if value and (key != "area" or value != SCOTLAND):
            if st.query_params.get(key) != value:
                st.query_params[key] = value
            synced[key] = value
        else:
            if key in st.query_params:
                del st.query_params[key]
            synced[key] = None


def area_selector() -> str:
    """The shared area selector in the sidebar; every page reads `current_area()`."""
    options = area_options()
    if st.session_state.get("area") not in options:
        st.session_state["area"] = SCOTLAND
    st.session_state["_area_widget"] = st.session_state["area"]

    def changed() -> None:
        st.session_state["area"] = st.session_state["_area_widget"]

    st.sidebar.selectbox("Area", options, key="_area_widget", format_func=area_label,
                         on_change=changed,
                         help="Scotland, a council, or a child protection committee (CPC). "
                              "Every page uses this choice.")
    return st.session_state["area"]


def current_area() -> str:
    return st.session_state.get("area", SCOTLAND)


# Static styling only (no data): larger type for a projector in presentation mode.
PRESENTATION_CSS = """<style>
[data-testid="stMainBlockContainer"] { font-size: 1.25rem; max-width: 100%; }
[data-testid="stMetricValue"] { font-size: 3.2rem; }
[data-testid="stMetricLabel"] p { font-size: 1.3rem; }
h1 { font-size: 3rem !important; }
</style>"""


def presentation_toggle() -> None:
    st.session_state["_present_widget"] = bool(st.session_state.get("present"))

    def changed() -> None:
        st.session_state["present"] = st.session_state["_present_widget"]

    st.sidebar.toggle("Presentation mode", key="_present_widget", on_change=changed,
                      help="Larger type and the sidebar folded away, for a projector. The "
                           "address keeps it (present=1), so a shared link opens the same way.")
    if st.session_state.get("present"):
        st.html(PRESENTATION_CSS)


def banners(who: auth.Identity) -> None:
    st.sidebar.markdown(f"**{config.classification()}**")
    if who.local_mode:
        st.sidebar.info("Local mode: no sign-in is configured, so the dashboard only serves "
                        "this computer (127.0.0.1) and you have the secretariat role.")
    else:
        st.sidebar.caption(f"Signed in as {who.label} ({auth.ROLE_LABELS[who.role]})")
        if st.sidebar.button("Log out"):
            st.logout()
    status = q(data_status)
    if status["illustrative_batches"]:
        st.sidebar.warning("This dashboard holds illustrative sample data: figures, statuses "
                           "and ratings marked illustrative are not official statistics.")
    # uploads awaiting approval (secretariat), a person's own role problem; settings logged
    for text in approval.frame_notices(engine(), who, _secrets()):
        st.info(safe(text))
    # an unknown value in the address: a short notice in the page's main area (CONTRACT.md)
    for text in st.session_state.pop("_notices", []):
        st.warning(safe(text))


def run_frame(page_runner: Callable[[], None] | None = None) -> None:
    """app.py: navigation first (for every visitor), then the shared frame, then the page."""
    page = navigation()
    who = identity()
    # when something is wrong, the page's own check says what, in a sentence
    framed = setup_problem() is None and who.signed_in and who.role is not None and not _local_mode_unsafe(who)
    if framed and not who.local_mode and not st.session_state.get("_signed_in_recorded"):
        st.session_state["_signed_in_recorded"] = True
        audit.record(engine(), who.label, "sign-in", f"{who.email} as {who.role}")
    if framed:
        adopt_url(who)
        area_selector()
        presentation_toggle()
        banners(who)
        sync_url()
    try:
        page.run()
    finally:
        if framed:
            sync_url()  # selections the page made this run (meeting, indicator)
