"""Page script for "Sessions" (run by st.navigation in app.py; the page lives in coach.ui.sessions)."""

from coach.ui.sessions import page

page()
