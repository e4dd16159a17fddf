"""CPIP Leadership Dashboard: the frame. Page config, then sign-in, banners, the shared area
selector and `st.navigation` (reached on every run, for every visitor), then the page."""

import streamlit as st

from cpip_dashboard.ui.frame import run_frame

st.set_page_config(
    page_title="CPIP Leadership Dashboard",
    page_icon="🛡️",
    layout="wide",
    # presentation mode (?present=1) starts with the sidebar folded away, for a projector;
    # otherwise "auto": open on a wide screen, folded on a phone so it never covers the page
    initial_sidebar_state="collapsed" if st.query_params.get("present") == "1" else "auto",
)
run_frame()
