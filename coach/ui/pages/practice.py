"""Page script for "Practice" (run by st.navigation in app.py; the page lives in coach.ui.practice)."""

from coach.ui.practice import page

page()
