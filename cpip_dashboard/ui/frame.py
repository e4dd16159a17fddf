"""The frame every page sits in: sign-in and role, banners, the shared area selector,
shareable query parameters, and the navigation (built per role)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from urllib.parse import urlparse

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cpip_dashboard import auth, config
from cpip_dashboard.batches import approval
from cpip_dashboard.store import audit
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory
from cpip_dashboard.ui import keys
from cpip_dashboard.ui.data import (
    begin_run,
    begin_secrets,
    end_run,
    engine,
    identity,
    secrets,
    shared,
)
from cpip_dashboard.ui.widgets import CARDS_BELOW, default, safe
from cpip_dashboard.views import frame as frame_view
from cpip_dashboard.views.common import NOW

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
# likely names of the pages (issue 22 §4): each reaches its page, keeping the query
# (`/briefing` is the default page's own name already: Streamlit reserves it)
ALIASES = {
    "dashboard": "briefing", "home": "briefing", "index": "briefing",
    "summary": "briefing", "action-register": "actions", "register": "actions",
    "action": "actions", "area-profile": "area", "profile": "area", "areas": "area",
    "indicator": "indicators", "planning-review": "review", "reviews": "review",
    "uploads": "upload", "help": "about",
}
log = logging.getLogger(__name__)
DATABASE_DOWN = ("The dashboard cannot reach its database just now ({}). Try again in a few "
                 "minutes; if it persists, tell whoever runs the dashboard.")
PAGE_FAILED = ("Something went wrong while drawing this page, so it stopped. Try again, or "
               "go back to the Briefing; if it persists, tell whoever runs the dashboard (the "
               "details are in its log).")


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
    """What stops the dashboard working (a setting, the database), in a sentence; else None.
    A placeholder or short sign-in cookie secret stops it before anything else (and is logged,
    once per process): anyone could sign a cookie for any identity with it."""
    unsafe = auth.cookie_secret_problem(secrets())
    if unsafe:
        auth.log_settings_warnings([unsafe])
        return unsafe
    try:
        config.suppress_below()
        config.max_upload_mb()
    except ValueError as exc:
        return (f"The dashboard's settings need correcting: {safe(exc)} Ask whoever runs the "
                "dashboard to fix it.")
    try:
        engine()
    except SQLAlchemyError as exc:
        return DATABASE_DOWN.format(safe(type(exc).__name__))
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
        if who.ended:  # a sign-in older than 8 hours, or one that did not say who it was
            st.warning(who.ended)
            if st.button("Sign in again", type="primary"):
                st.login()
        else:
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
    if not who.email:
        st.write("You are signed in, but your sign-in carries no email address, and no group "
                 "the dashboard knows gives you a role.")
    elif not who.email_trusted:
        st.write(f"You are signed in as {safe(who.email)}, but your identity provider has not "
                 "marked this address as verified, so the dashboard's list of users does not "
                 "apply to it.")
    else:
        st.write(f"You are signed in as {safe(who.email)}, but this address is not on the "
                 "dashboard's list of users.")
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
        paths = {slug: path for slug, path, _, _ in available}
        pages += [st.Page(_alias(alias, paths[target]), title=alias, url_path=alias,
                          visibility="hidden")
                  for alias, target in ALIASES.items() if target in paths]
    return st.navigation(pages)


def _unknown_page(who: auth.Identity, page_path: str) -> None:
    """An address naming no page opens the Briefing (Streamlit's own "Page not found"): say,
    once per session, which pages there are (the query is kept)."""
    if page_path or st.session_state.get(keys.UNKNOWN_PAGE_NOTED):
        return
    try:
        asked = urlparse(st.context.url or "").path
    except (AttributeError, RuntimeError):  # no browser address (a test harness)
        return
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    asked = asked.strip("/")
    if base and asked.startswith(base):
        asked = asked[len(base):].strip("/")
    known = {url or slug for slug, _, _, url in PAGES} | set(ALIASES) | {"briefing"}
    if not asked or asked in known:
        return
    st.session_state[keys.UNKNOWN_PAGE_NOTED] = True
    pages = "; ".join(f"{title} (/{url})" for slug, _, title, url in PAGES if who.may_use(slug))
    _notice(f"There is no page {_echo('/' + asked)}, so the Briefing is shown. The pages are: "
            f"{pages}.")


def _alias(name: str, path: str) -> Callable[[], None]:
    """A hidden page at a likely name that moves to the real page with the same query."""
    def moved() -> None:
        st.switch_page(path, query_params=st.query_params.to_dict())

    moved.__name__ = f"alias_{name.replace('-', '_')}"
    return moved


# --- shared selections and query parameters -------------------------------------------------


def frame() -> frame_view.FrameView:
    return shared()


def directory() -> AreaDirectory:
    return frame().directory


def area_options() -> list[str]:
    return list(frame().options)


def area_label(code: str) -> str:
    return frame().label(code)


def _notice(text: str) -> None:
    st.session_state.setdefault(keys.NOTICES, []).append(text)


def _echo(value: str, limit: int = 40) -> str:
    """An address value quoted back in a notice, cut short (an address can be very long)."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _history_navigation() -> bool | None:
    """Whether this run comes from the browser's Back or Forward (None: this Streamlit does
    not say)."""
    ctx = get_script_run_ctx()
    return getattr(ctx, "is_history_navigation", None) if ctx is not None else None


def adopt_url(who: auth.Identity, page_path: str) -> bool:
    """Take the selections from the address when it changed from outside (first visit, a
    shared link, Back or Forward), else keep the session's; unknown values get a short notice.

    The address holds only what differs from the defaults (`sync_url`), so on the same page a
    parameter that has gone from the address (Back to before it was chosen) returns that
    selection to its default; a move to another page arrives without the parameters and keeps
    the selections.

    A run caused by a control on the same page carries the browser's copy of the address,
    which can be older than the last write (the control was used before the browser had the
    new address): an address this session has already had on this page is such a copy, and
    is ignored rather than undoing the selections made since. True when the address must be
    written before the page draws (`run_frame`)."""
    first = not st.session_state.get(keys.INITIALISED)
    history = _history_navigation()
    moved = st.session_state.get(keys.RUN_PAGE) != page_path
    params = st.query_params
    address = params.to_dict()
    had = [] if moved else st.session_state.get(keys.ADDRESSES, [])
    st.session_state.update({keys.INITIALISED: True, keys.RUN_PAGE: page_path,
                             keys.ADDRESSES: [*had[-20:], address]})
    options = area_options()
    default_area = who.area if who.area in options else SCOTLAND
    if first:
        st.session_state[keys.AREA] = default_area
    if history is False and not (first or moved) and address in had:
        return False
    synced = st.session_state.setdefault(keys.SYNCED, {})
    same_page = not moved

    def changed(key: str) -> str | None:
        """The address's value when it differs from what this session last wrote; "" when a
        parameter went away on the same page (back to the default); None when unchanged."""
        value = params.get(key)
        if value == synced.get(key):
            return None
        if value is None:
            return "" if same_page else None
        return value

    wanted = changed("area")
    if wanted == "":
        st.session_state[keys.AREA] = default_area
    elif wanted is not None:
        chosen, notice = frame_view.address_area(directory(), tuple(options), wanted,
                                                 default_area)
        if notice:
            _notice(notice)
        st.session_state[keys.AREA] = chosen
    meeting = changed("meeting")
    if meeting == "":
        st.session_state.pop(keys.MEETING, None)
    elif meeting is not None and meeting.strip().lower() == NOW:
        st.session_state[keys.MEETING] = NOW
    elif meeting is not None:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", meeting):  # not 20240917, 2024-W38-2
                raise ValueError(meeting)
            st.session_state[keys.MEETING] = dt.date.fromisoformat(meeting)
        except ValueError:
            _notice(f"Meeting date {_echo(meeting)} in the address is not a date (YYYY-MM-DD); "
                    "showing the latest meeting.")
            st.session_state.pop(keys.MEETING, None)
    indicator = changed("indicator")
    if indicator == "":
        st.session_state.pop(keys.INDICATOR, None)
    elif indicator is not None:
        st.session_state[keys.INDICATOR] = indicator.upper()
    present = changed("present")
    if present is not None:
        st.session_state[keys.PRESENT] = present == "1"
    # the Indicators page checks these against the indicator shown (`indicator_params`)
    measure = changed("measure")
    if measure == "":
        st.session_state.pop(keys.MEASURE, None)
    elif measure is not None:
        st.session_state[keys.ADDRESS_MEASURE] = measure
    compare = changed("compare")
    if compare == "":
        st.session_state.pop(keys.COMPARE, None)
    elif compare is not None:
        st.session_state[keys.ADDRESS_COMPARE] = compare
    # a move by a link: Streamlit has already put the new page in the browser's history
    # without the selections; give the view its own entry before any control on the page can
    # be used (a control used during this run would otherwise stop it before `sync_url`, and
    # Back from that control's entry would land on the page without the selections)
    return moved and not first and history is False


def indicator_params(measures: tuple[str, ...], default_measure: str,
                     areas: dict[str, str]) -> tuple[str, list[str]]:
    """The Indicators page's measure and added areas: from the address when it changed from
    outside, else the visitor's own choice; an unknown value gets a short notice."""
    wanted = st.session_state.pop(keys.ADDRESS_MEASURE, None)
    if wanted is not None:
        if wanted.lower() in measures:
            st.session_state[keys.MEASURE] = wanted.lower()
        else:
            st.warning(safe(f"Measure {wanted!r} in the address is not available for this "
                            f"indicator; showing {default_measure}."))
            st.session_state.pop(keys.MEASURE, None)
    listed = st.session_state.pop(keys.ADDRESS_COMPARE, None)
    if listed is not None:
        codes = [c.strip().upper() for c in listed.split(",") if c.strip()]
        unknown = [c for c in codes if c not in areas]
        if unknown:
            st.warning(safe(f"Area{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in "
                            "the address (compare) not known; showing the others."))
        st.session_state[keys.COMPARE] = [c for c in dict.fromkeys(codes) if c in areas]
    measure = st.session_state.get(keys.MEASURE)
    if measure not in measures:
        measure = default_measure
    compare = [c for c in st.session_state.get(keys.COMPARE, []) if c in areas]
    return measure, compare


def indicator_selector(codes: list[str], labels: dict[str, str]) -> str:
    """The Indicators page's indicator, kept in the address: an unknown code there gets a
    notice and the first indicator."""
    wanted = st.session_state.get(keys.INDICATOR)
    if wanted not in codes:
        if wanted:
            st.warning(safe(f"Indicator {wanted!r} in the address is not known: showing "
                            f"{labels[codes[0]]}."))
        wanted = codes[0]
    st.session_state[keys.INDICATOR_CONTROL] = wanted

    def changed() -> None:
        st.session_state[keys.INDICATOR] = st.session_state[keys.INDICATOR_CONTROL]

    default(indicator=codes[0])
    code = st.selectbox("Indicator", codes, key=keys.INDICATOR_CONTROL, on_change=changed,
                        format_func=labels.get)
    st.session_state[keys.INDICATOR] = code
    return code


def measure_and_compare(measures: tuple[str, ...], default_measure: str, areas: dict[str, str],
                        compare_label: str, measure_label: Callable[[str], str],
                        places: tuple) -> tuple[str, list[str]]:
    """The Indicators page's added areas (a multiselect in `places[0]`) and its measure (a
    radio in `places[1]`, when there is more than one), both kept in the address."""
    measure, compare = indicator_params(measures, default_measure, areas)
    st.session_state[keys.SHOWN_MEASURE] = measure
    default(measure=default_measure)
    st.session_state[keys.COMPARE] = compare
    st.session_state[keys.COMPARE_CONTROL] = compare
    st.session_state[keys.MEASURE_CONTROL] = measure

    def compare_changed() -> None:
        st.session_state[keys.COMPARE] = list(st.session_state[keys.COMPARE_CONTROL])

    def measure_changed() -> None:
        st.session_state[keys.MEASURE] = st.session_state[keys.MEASURE_CONTROL]

    places[0].multiselect(compare_label, list(areas), key=keys.COMPARE_CONTROL,
                          on_change=compare_changed, format_func=areas.get)
    if len(measures) > 1:
        places[1].radio("Show", measures, horizontal=True, key=keys.MEASURE_CONTROL,
                        on_change=measure_changed, format_func=measure_label)
    return measure, compare


def sync_url(page_path: str = "") -> None:
    """Write the selections back to the address once per run, after the page, so the view
    can be shared and each change is one step in the browser's history."""
    values = {
        "area": st.session_state.get(keys.AREA),
        "meeting": st.session_state.get(keys.MEETING).isoformat()
        if isinstance(st.session_state.get(keys.MEETING), dt.date)
        else NOW if st.session_state.get(keys.MEETING) == NOW else None,
        "indicator": st.session_state.get(keys.INDICATOR),
        "present": "1" if st.session_state.get(keys.PRESENT) else None,
    }
    on_indicators = page_path == "indicators"
    values["measure"] = st.session_state.get(keys.SHOWN_MEASURE) if on_indicators else None
    values["compare"] = ",".join(st.session_state.get(keys.COMPARE, [])) if on_indicators \
        else None
    # only what differs from the defaults: a first visit adds no entry to the history, so Back
    # leaves the page instead of returning to the same view
    defaults = {"area": SCOTLAND, **st.session_state.get(keys.DEFAULTS, {})}
    target = {key: value for key, value in values.items()
              if value and value != defaults.get(key)}
    st.session_state[keys.SYNCED] = {key: target.get(key) for key in values}
    st.session_state[keys.ADDRESSES] = [*st.session_state.get(keys.ADDRESSES, [])[-20:], target]
    if st.query_params.to_dict() != target:
        st.query_params.from_dict(target)  # one message: one entry in the browser's history


def area_selector() -> str:
    """The shared area selector in the sidebar; every page reads `current_area()`."""
    shared = frame()
    options = shared.options
    if st.session_state.get(keys.AREA) not in options:
        st.session_state[keys.AREA] = SCOTLAND
    st.session_state[keys.AREA_CONTROL] = st.session_state[keys.AREA]

    def changed() -> None:
        st.session_state[keys.AREA] = st.session_state[keys.AREA_CONTROL]

    st.sidebar.selectbox("Area", options, key=keys.AREA_CONTROL, format_func=shared.labels.get,
                         on_change=changed,
                         help="Scotland, a council, or a child protection committee (CPC). "
                              "Every page uses this choice.")
    return st.session_state[keys.AREA]


def phone_area_selector() -> None:
    """On a phone the sidebar covers the page: the same choice under the banners of the main
    area, shown only on a narrow screen (its container's "phone-" key: `LAYOUT_CSS`)."""
    shared = frame()
    options = shared.options
    st.session_state[keys.AREA_PHONE_CONTROL] = st.session_state[keys.AREA]

    def changed_here() -> None:
        st.session_state[keys.AREA] = st.session_state[keys.AREA_PHONE_CONTROL]

    with st.container(key=keys.AREA_PHONE_BOX):
        st.selectbox("Area", options, key=keys.AREA_PHONE_CONTROL, format_func=shared.labels.get,
                     on_change=changed_here,
                     help="The same choice as the sidebar's, here for a narrow screen.")


def current_area() -> str:
    return st.session_state.get(keys.AREA, SCOTLAND)


# Static styling only (no data): larger type for a projector in presentation mode - the
# text, tables, captions and counts (the charts' own type is enlarged in `widgets.chart`).
PRESENTATION_CSS = """<style>
[data-testid="stMainBlockContainer"] { font-size: 1.25rem; max-width: 100%; }
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li,
[data-testid="stCaptionContainer"], [data-testid="stTable"] td,
[data-testid="stTable"] th, [data-testid="stWidgetLabel"] p,
[data-testid="stExpander"] summary p { font-size: 1.25rem !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem; }
[data-testid="stMetricLabel"] p { font-size: 1.3rem; }
[data-testid="stMetricDelta"] div { font-size: 1.2rem; }
h1 { font-size: 3rem !important; }
h2 { font-size: 2.2rem !important; }
</style>"""


# Static styling only (no data): tables whose text wraps, so no column is cut off; where a
# table has little room (a phone, or a narrow column of a wide page: a container query) each
# row becomes a card (`widgets.readable_table` adds its column names as the cards' labels);
# method paragraphs fold into an expander on a phone (`widgets.method_note`).
LAYOUT_CSS = """<style>
[class*="st-key-table-"] { container-type: inline-size; }
[class*="st-key-table-"] table { table-layout: auto; width: 100%; }
[class*="st-key-table-"] td, [class*="st-key-table-"] th { vertical-align: top; }
[class*="st-key-table-"] td, [class*="st-key-table-"] th, [class*="st-key-table-"] td p,
[class*="st-key-table-"] th p { white-space: normal !important; overflow-wrap: anywhere !important; }
[class*="st-key-phone-"] { display: none; }
@media (max-width: 640px) {
  [class*="st-key-wide-"] { display: none; }
  [class*="st-key-phone-"] { display: flex; }
}
@container (max-width: CARDS_BELOWpx) {
  [class*="st-key-table-"] table, [class*="st-key-table-"] tbody,
  [class*="st-key-table-"] tr, [class*="st-key-table-"] td { display: block; width: 100%; }
  [class*="st-key-table-"] thead { position: absolute; width: 1px; height: 1px;
    overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  [class*="st-key-table-"] tr { border: 1px solid #b1b4b6; border-radius: 0.4rem;
    margin: 0 0 0.6rem 0; padding: 0.3rem 0.5rem; }
  [class*="st-key-table-"] td { border: none !important; padding: 0.15rem 0 !important; }
  [class*="st-key-table-"] td::before { font-weight: 600; margin-right: 0.4rem; }
}
</style>""".replace("CARDS_BELOW", str(CARDS_BELOW))


# Static styling only (no data): a focus ring anyone can see on every control reached by the
# keyboard (WCAG 2.4.7 and 2.4.13), whatever the framework's own focus style.
FOCUS_CSS = """<style>
:focus-visible { outline: 3px solid #0b0c0c !important; outline-offset: 2px !important;
                 box-shadow: 0 0 0 5px #ffdd00 !important; }
</style>"""


def presentation_toggle() -> None:
    st.session_state[keys.PRESENT_CONTROL] = bool(st.session_state.get(keys.PRESENT))

    def changed() -> None:
        st.session_state[keys.PRESENT] = st.session_state[keys.PRESENT_CONTROL]

    st.sidebar.toggle("Presentation mode", key=keys.PRESENT_CONTROL, on_change=changed,
                      help="Larger type and the sidebar folded away, for a projector. The "
                           "address keeps it (present=1), so a shared link opens the same way.")
    st.html(FOCUS_CSS + LAYOUT_CSS)  # one element: the layout's rules arrive with the ring
    if st.session_state.get(keys.PRESENT):
        st.html(PRESENTATION_CSS)


def banners(who: auth.Identity) -> None:
    # the classification and the illustrative notice head the main area on every page too,
    # so presentation mode (sidebar folded away) and a phone still show them
    marking = config.classification()
    if frame().illustrative_batches:
        marking += " · Illustrative sample data: not official statistics"
    st.caption(f"**{safe(marking)}**")
    st.sidebar.markdown(f"**{safe(config.classification())}**")
    if who.local_mode:
        st.sidebar.info("Local mode: no sign-in is configured, so the dashboard only serves "
                        "this computer (127.0.0.1) and you have the secretariat role.")
    else:
        st.sidebar.caption(f"Signed in as {who.label} ({auth.ROLE_LABELS[who.role]})")
        if st.sidebar.button("Log out"):
            st.logout()
    if frame().illustrative_batches:
        st.sidebar.warning("This dashboard holds illustrative sample data: figures, statuses "
                           "and ratings marked illustrative are not official statistics.")
    # uploads awaiting approval (secretariat), a person's own role problem; settings logged
    for text in approval.frame_notices(engine(), who, secrets()):
        st.info(safe(text))
    # an unknown value in the address: a short notice in the page's main area (CONTRACT.md)
    for text in st.session_state.pop(keys.NOTICES, []):
        st.warning(safe(text))


def run_frame(page_runner: Callable[[], None] | None = None) -> None:
    """app.py: navigation first (for every visitor), then the shared frame, then the page.
    The secrets and the data version are read once, here, for the whole run."""
    begin_secrets()
    try:
        _run_framed()
    except SQLAlchemyError as exc:  # the database went away after start, or mid-run
        log.exception("A page could not reach the database")
        st.error(DATABASE_DOWN.format(safe(type(exc).__name__)))
    except Exception:  # any other failure: one sentence here, the traceback in the log
        log.exception("A page failed")
        st.error(PAGE_FAILED)
    finally:
        end_run()


def _run_framed() -> None:
    page = navigation()
    who = identity()
    # when something is wrong, the page's own check says what, in a sentence
    framed = (setup_problem() is None and who.signed_in and who.role is not None
              and not _local_mode_unsafe(who))
    if framed:
        begin_run()  # the one read of the data version in this run
    if framed and not who.local_mode and not st.session_state.get(keys.SIGNED_IN_RECORDED):
        st.session_state[keys.SIGNED_IN_RECORDED] = True
        audit.record(engine(), auth.who(who), "sign-in", f"{who.email} as {who.role}")
    if framed:
        _unknown_page(who, page.url_path)
        if adopt_url(who, page.url_path):
            sync_url(page.url_path)
        area_selector()
        presentation_toggle()
        banners(who)
        phone_area_selector()
    try:
        page.run()
    finally:
        if framed:
            sync_url(page.url_path)  # with the selections the page made this run
