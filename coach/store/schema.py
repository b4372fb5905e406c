"""The tables of the shared store, as the newest migration leaves them (SQLAlchemy Core).

The migrations in `migrations/versions/` are the truth about how a database gets here;
these definitions are what the queries are written against. `HEAD` names the newest
migration, so opening a store checks its version without importing Alembic.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

HEAD = "0002_users_rooms"

metadata = MetaData()

meta = Table("meta", metadata, Column("key", Text, primary_key=True), Column("value", Text, nullable=False))

sessions = Table(
    "sessions", metadata,
    Column("id", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("statement", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
    Column("json", Text, nullable=False),
    Column("owner", String(200), nullable=True),  # NULL: saved before users existed, or by the CLI
    Column("room", String(16), nullable=True),
    Column("label", Text, nullable=True),  # the user's own name for the session (Sessions page: rename)
)
Index("sessions_by_owner", sessions.c.owner, sessions.c.updated)
Index("sessions_by_room", sessions.c.room)

practice_totals = Table(
    "practice_totals", metadata,
    Column("learner", Text, primary_key=True),
    Column("drills", Integer, nullable=False, default=0),
    Column("correct", Integer, nullable=False, default=0),
)

practice_traps = Table(
    "practice_traps", metadata,
    Column("learner", Text, nullable=False),
    Column("trap", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("misses", Integer, nullable=False, default=0),
    Column("false_alarms", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("learner", "trap"),
)

users = Table(
    "users", metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(20), nullable=False, default="member"),  # member | facilitator
    Column("created", Text, nullable=False),
    Column("seen", Text, nullable=False),
)

rooms = Table(
    "rooms", metadata,
    Column("code", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("facilitator", String(200), nullable=False),
    Column("created", Text, nullable=False),
    Column("closed", Text, nullable=True),
)
Index("rooms_by_facilitator", rooms.c.facilitator)

room_members = Table(
    "room_members", metadata,
    Column("room", String(16), nullable=False),
    Column("member", String(200), nullable=False),
    Column("joined", Text, nullable=False),
    PrimaryKeyConstraint("room", "member"),
)
Index("room_members_by_member", room_members.c.member, room_members.c.joined)

room_practice = Table(
    "room_practice", metadata,
    Column("room", String(16), nullable=False),
    Column("learner", String(200), nullable=False),
    Column("drills", Integer, nullable=False, default=0),
    Column("correct", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("room", "learner"),
)

room_traps = Table(
    "room_traps", metadata,
    Column("room", String(16), nullable=False),
    Column("learner", String(200), nullable=False),
    Column("trap", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("misses", Integer, nullable=False, default=0),
    Column("false_alarms", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("room", "learner", "trap"),
)
