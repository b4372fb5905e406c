"""Page script for "Workshop" (run by st.navigation in app.py; the page lives in coach.ui.workshop)."""

from coach.ui.workshop import page

page()
