"""Outcome Coach in the browser: `streamlit run app.py`.

A thin shell: page config, the sidebar and the navigation. Every page lives in
`coach/ui/`; an unexpected error on a page shows a short message, never a traceback.
"""

import streamlit as st

from coach.ui import PAGES, identity
from coach.ui.services import settings
from coach.ui.view import error_boundary

st.set_page_config(page_title="Outcome Coach", page_icon=":dart:", layout="wide")
current = st.navigation([st.Page(p.script, title=p.title, icon=p.icon, url_path=p.url_path, default=i == 0)
                         for i, p in enumerate(PAGES)])
with st.sidebar:
    st.caption("Turns outputs into outcomes.")
    with error_boundary("Who you are could not be read; reload the page."):
        identity.sidebar()
    with error_boundary("The engine settings could not be read; check the COACH_ variables."):
        st.caption(f"Engine: {settings().describe_engine()}")
with error_boundary():
    current.run()
