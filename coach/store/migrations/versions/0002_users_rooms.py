"""Users, rooms and per-room practice; sessions get an owner, a room and a label (existing sessions keep
NULL)."""

import sqlalchemy as sa
from alembic import op

revision = "0002_users_rooms"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
        batch.add_column(sa.Column("room", sa.String(16), nullable=True))
        batch.add_column(sa.Column("label", sa.Text, nullable=True))
    op.create_index("sessions_by_owner", "sessions", ["owner", "updated"])
    op.create_index("sessions_by_room", "sessions", ["room"])
    op.create_table(
        "users",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False, server_default="member"),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("seen", sa.Text, nullable=False),
    )
    op.create_table(
        "rooms",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("facilitator", sa.String(200), nullable=False),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("closed", sa.Text, nullable=True),
    )
    op.create_index("rooms_by_facilitator", "rooms", ["facilitator"])
    op.create_table(
        "room_members",
        sa.Column("room", sa.String(16), nullable=False),
        sa.Column("member", sa.String(200), nullable=False),
        sa.Column("joined", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("room", "member"),
    )
    op.create_index("room_members_by_member", "room_members", ["member", "joined"])
    op.create_table(
        "room_practice",
        sa.Column("room", sa.String(16), nullable=False),
        sa.Column("learner", sa.String(200), nullable=False),
        sa.Column("drills", sa.Integer, nullable=False, server_default="0"),
        sa.Column("correct", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("room", "learner"),
    )
    op.create_table(
        "room_traps",
        sa.Column("room", sa.String(16), nullable=False),
        sa.Column("learner", sa.String(200), nullable=False),
        sa.Column("trap", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("misses", sa.Integer, nullable=False, server_default="0"),
        sa.Column("false_alarms", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("room", "learner", "trap"),
    )
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    for table in ("room_traps", "room_practice", "room_members", "rooms", "users"):
        op.drop_table(table)
    op.drop_index("sessions_by_room", "sessions")
    op.drop_index("sessions_by_owner", "sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("label")
        batch.drop_column("room")
        batch.drop_column("owner")
