"""The register of session keys: every name the app keeps in Streamlit's session state, and
every widget key, has one owner (issue 21).

- **The frame** (`ui/frame.py`, `ui/widgets.py`, `ui/data.py`) owns the names below, all
  beginning "frame-": the selections the address carries (area, meeting, indicator,
  presentation mode, and the Indicators page's measure and compared areas), the controls that
  choose them, and its own record of the session. A page reads and sets these only through the
  frame's functions (`current_area`, `widgets.meeting_selector`, `frame.indicator_selector`,
  `frame.measure_and_compare`).
- **Each page** owns the keys beginning with its prefix (`PAGE_PREFIXES`), and the frame never
  reads one.

Streamlit names a keyed container's CSS class after its key (`st-key-<key>`), so the layout
wrappers in `widgets` put their own prefix before the owner's key (`LAYOUT_PREFIXES`: a page's
"actions-register" table is the container "table-actions-register").

`tests/ui/test_session_keys.py` reads every key written in `pages/` and `ui/` and checks it
against this register; `tests/pages/test_app_frame.py` checks the keys each page leaves in the
session after it runs.
"""

from __future__ import annotations

FRAME_PREFIX = "frame-"

# --- the address's selections (CONTRACT.md, "Pages and shareable addresses") ----------------
AREA = "frame-area"
MEETING = "frame-meeting"  # a date, or NOW
INDICATOR = "frame-indicator"
PRESENT = "frame-present"
MEASURE = "frame-measure"  # the Indicators page's measure, as the visitor chose it
COMPARE = "frame-compare"  # the Indicators page's added areas
SHOWN_MEASURE = "frame-shown-measure"  # the measure drawn (the default when none was chosen)
ADDRESS_MEASURE = "frame-address-measure"  # an address's measure, until the page can check it
ADDRESS_COMPARE = "frame-address-compare"
DEFAULTS = "frame-defaults"  # this run's defaults, left out of the address

# --- the controls that choose them ----------------------------------------------------------
AREA_CONTROL = "frame-area-control"  # the sidebar's
AREA_PHONE_CONTROL = "frame-area-phone-control"  # the same choice on a narrow screen
AREA_PHONE_BOX = "phone-frame-area"  # its container ("phone-": shown on a narrow screen only)
MEETING_CONTROL = "frame-meeting-control"
PRESENT_CONTROL = "frame-present-control"
INDICATOR_CONTROL = "frame-indicator-control"
MEASURE_CONTROL = "frame-measure-control"
COMPARE_CONTROL = "frame-compare-control"

# --- the frame's record of the session ------------------------------------------------------
INITIALISED = "frame-initialised"
RUN_PAGE = "frame-run-page"  # the page of the last run
ADDRESSES = "frame-addresses"  # the addresses this session has had on that page
SYNCED = "frame-synced"  # what the frame last wrote to the address
NOTICES = "frame-notices"  # sentences about the address, for the page's main area
UNKNOWN_PAGE_NOTED = "frame-unknown-page-noted"
SIGNED_IN_RECORDED = "frame-signed-in-recorded"
RUN_VERSION = "frame-run-version"  # the data version, read once per run
RUN_SECRETS = "frame-run-secrets"  # the secrets, read once per run

# a method note's pair of containers (`widgets.method_note`): this prefix, then its label and a
# checksum of its text, after the layout prefix
NOTE_PREFIX = "frame-note-"

# --- the pages' own keys --------------------------------------------------------------------
PAGE_PREFIXES: dict[str, str] = {
    "pages/briefing.py": "briefing-",
    "pages/actions.py": "actions-",
    "pages/indicators.py": "indicators-",
    "pages/area_profile.py": "area-",
    "pages/planning_review.py": "review-",
    "pages/upload.py": "upload-",
    "pages/about.py": "about-",
}

# the widgets' containers: a prefix CSS selects on (`frame.LAYOUT_CSS`), then the owner's key
LAYOUT_PREFIXES = ("table-", "phone-", "wide-")


def owner(key: str) -> str | None:
    """Who owns a key: "frame", a page's file, or None when the register does not know it. A
    layout wrapper's prefix is read past, and so is a download button's suffix."""
    for prefix in LAYOUT_PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key[len(prefix):]
            break
    if key in FRAME_KEYS or (key.startswith(NOTE_PREFIX) and key != NOTE_PREFIX):
        return "frame"
    for page, prefix in PAGE_PREFIXES.items():
        if key.startswith(prefix) and len(key) > len(prefix):
            return page
    return None


FRAME_KEYS = frozenset(value for name, value in dict(globals()).items()
                       if name.isupper() and isinstance(value, str)
                       and value.startswith(FRAME_PREFIX)
                       and value not in (FRAME_PREFIX, NOTE_PREFIX))
