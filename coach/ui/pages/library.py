"""Page script for "Ask the library" (run by st.navigation in app.py; the page lives in coach.ui.library)."""

from coach.ui.library import page

page()
