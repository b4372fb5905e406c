"""The Streamlit user interface of Outcome Coach: one module per page, plus view helpers.

`app.py` routes to the page scripts in `coach/ui/pages/` (file pages, so AppTest can switch
to them); each script calls `page()` of its module here. Coaching itself stays in
`coach.engine` and `coach.knowledge`; these modules only render and route.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    """One entry of the navigation."""

    script: str
    title: str
    icon: str
    url_path: str


PAGES: list[PageSpec] = [
    PageSpec("coach/ui/pages/coach.py", "Coach", ":material/forum:", "coach"),
    PageSpec("coach/ui/pages/library.py", "Ask the library", ":material/menu_book:", "library"),
    PageSpec("coach/ui/pages/practice.py", "Practice", ":material/school:", "practice"),
    PageSpec("coach/ui/pages/workshop.py", "Workshop", ":material/table_view:", "workshop"),
    PageSpec("coach/ui/pages/sessions.py", "Sessions", ":material/history:", "sessions"),
    PageSpec("coach/ui/pages/rooms.py", "Rooms", ":material/groups:", "rooms"),
]

__all__ = ["PAGES", "PageSpec"]
