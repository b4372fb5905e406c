"""The shared store: sessions, practice scores, users and rooms behind SQLAlchemy.

SQLite at `data_dir/sessions.db` by default; PostgreSQL when `COACH_DATABASE_URL` names one.
The schema is kept by Alembic migrations (`coach/store/migrations/`), run when a store opens.
"""

from coach.store.db import DB_NAME, StoreError, database_url, safe_url
from coach.store.sessions import (
    ANY,
    Feedback,
    PracticeScore,
    SessionStore,
    SessionSummary,
    TrapScore,
    keep_copy,
)

__all__ = ["ANY", "DB_NAME", "Feedback", "PracticeScore", "SessionStore", "SessionSummary", "StoreError",
           "TrapScore", "database_url", "keep_copy", "safe_url"]
