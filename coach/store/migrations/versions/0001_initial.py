"""The schema of the single-file SQLite store (coach/store.py up to issue 15).

A database made by that store has these tables but no alembic_version; `migrate` stamps
it at this revision instead of running it, so nothing in it is touched.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("meta", sa.Column("key", sa.Text, primary_key=True),
                    sa.Column("value", sa.Text, nullable=False))
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
        sa.Column("json", sa.Text, nullable=False),
    )
    op.create_index("sessions_by_updated", "sessions", ["updated"])
    op.create_table(
        "practice_totals",
        sa.Column("learner", sa.Text, primary_key=True),
        sa.Column("drills", sa.Integer, nullable=False, server_default="0"),
        sa.Column("correct", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "practice_traps",
        sa.Column("learner", sa.Text, nullable=False),
        sa.Column("trap", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("misses", sa.Integer, nullable=False, server_default="0"),
        sa.Column("false_alarms", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("learner", "trap"),
    )
    op.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")


def downgrade() -> None:
    for table in ("practice_traps", "practice_totals", "sessions", "meta"):
        op.drop_table(table)
