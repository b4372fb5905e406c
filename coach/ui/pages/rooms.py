"""Page script for "Rooms" (run by st.navigation in app.py; the page lives in coach.ui.rooms)."""

from coach.ui.rooms import page

page()
