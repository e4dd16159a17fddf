"""One plain-Python view per page: `view(conn, **params)` returns everything the page shows
(frames, sentences, chart specifications as dictionaries, download bytes), so the page file only
draws. `cpip_dashboard.ui.view` caches each on (data version, parameters) and shares it between
sessions, so a run looks things up and draws; nothing here imports Streamlit.

Views are read-only once built: pages never change what a view returns.
"""
