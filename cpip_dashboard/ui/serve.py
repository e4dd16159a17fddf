"""Serve the dashboard: `python -m cpip_dashboard.ui.serve [streamlit options]`.

Streamlit decides on its first session whether `pages/` is an old-style pages directory; until
some session has reached `st.navigation`, an address such as `/review` is looked up as a file
name and answered "Page not found". This launcher tells Streamlit up front that the app uses
`st.navigation`, so every visitor, the first included, gets the frame and the contract's
addresses. (Run through plain `streamlit run app.py`, each page still switches the server over
on its first run; see `frame.require`.)
"""

from __future__ import annotations

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from ..config import PROJECT_ROOT


def main(argv: list[str] | None = None) -> None:
    PagesManager.uses_pages_directory = False
    args = sys.argv[1:] if argv is None else argv
    sys.argv = ["streamlit", "run", str(PROJECT_ROOT / "app.py"), *args]
    cli.main()


if __name__ == "__main__":
    main()
