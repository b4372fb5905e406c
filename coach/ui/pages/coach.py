"""Page script for "Coach" (run by st.navigation in app.py; the page lives in coach.ui.coaching)."""

from coach.ui.coaching import page

page()
