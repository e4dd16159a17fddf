"""The only part of the package that imports Streamlit: cached data access, the frame, and the
shared widgets the pages draw with."""

from cpip_dashboard.ui.data import engine, live, q, view
from cpip_dashboard.ui.frame import current_area, directory, require
from cpip_dashboard.ui.widgets import data_table, illustrative_notice, page_header

__all__ = [
    "current_area",
    "data_table",
    "directory",
    "engine",
    "illustrative_notice",
    "live",
    "page_header",
    "q",
    "require",
    "view",
]
