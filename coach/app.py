"""The Streamlit shell of Outcome Coach: page config, the sidebar and the navigation.

`coach app` serves this file from the installed package; the repository's `app.py` (for
`streamlit run app.py` and AppTest) calls `main()`. Every page lives in `coach/ui/`; an
unexpected error on a page shows a short message, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

#: The folder that holds the `coach` package; page scripts are named relative to it.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Render one run of the app (Streamlit runs the script again on every interaction)."""
    import streamlit as st

    from coach.ui import PAGES, identity
    from coach.ui.services import settings
    from coach.ui.view import BUTTON_LABELS_WRAP, error_boundary

    st.set_page_config(page_title="Outcome Coach", page_icon=":dart:", layout="wide")
    # a static style, no user text: long button labels wrap instead of being cut off
    st.html(BUTTON_LABELS_WRAP)
    current = st.navigation([
        st.Page(str(PACKAGE_ROOT / p.script), title=p.title, icon=p.icon, url_path=p.url_path, default=i == 0)
        for i, p in enumerate(PAGES)
    ])
    with st.sidebar:
        st.caption("Turns outputs into outcomes.")
        with error_boundary("Who you are could not be read; reload the page."):
            identity.sidebar()
        with error_boundary("The engine settings could not be read; check the COACH_ variables."):
            st.caption(f"Engine: {settings().describe_engine()}")
    with error_boundary():
        current.run()


if __name__ == "__main__":  # `streamlit run .../coach/app.py`, as `coach app` does
    main()
