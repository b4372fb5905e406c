"""Outcome Coach in the browser: `streamlit run app.py` (or `coach app` once installed).

A thin entry point: the shell lives in `coach/app.py`, every page in `coach/ui/`.
"""

from coach.app import main

main()
