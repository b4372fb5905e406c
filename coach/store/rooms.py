"""Users and training rooms in the shared store (a mixin of SessionStore)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, func, select, update

from coach.rooms import Room, RoomReport, RoomTrap, TraineeRow, new_code, normalize_code, rank_traps
from coach.store import schema as t
from coach.store.db import StoreError


class RoomsMixin:
    """Users, rooms, membership and the facilitator's report; needs `_db`, `_upsert` and `clock`."""

    _db: Any
    _upsert: Any
    clock: Any

    # -- users ------------------------------------------------------------------------------------

    def touch_user(self, user_id: str, name: str, role: str | None = None) -> None:
        """Record that a user was seen (creating them on first sight); `role` upgrades them when given."""
        now = self.clock().isoformat()
        values = {"id": user_id, "name": name, "role": role or "member", "created": now, "seen": now}
        stmt = self._upsert(t.users, values, ["id"], lambda ex: {
            "name": ex.name, "seen": ex.seen, **({"role": ex.role} if role else {})})
        with self._db(write=True) as db:
            db.execute(stmt)

    def user_role(self, user_id: str) -> str | None:
        """'member' or 'facilitator'; None for a user never seen."""
        with self._db() as db:
            return db.execute(select(t.users.c.role).where(t.users.c.id == user_id)).scalar()

    # -- rooms ------------------------------------------------------------------------------------

    def open_room(self, facilitator: str, name: str = "") -> Room:
        """A new room with a fresh code; its opener is its facilitator."""
        name = " ".join((name or "").split())[:80] or "Training room"
        for _ in range(20):
            room = Room(code=new_code(), name=name, facilitator=facilitator, created=self.clock().isoformat())
            try:
                with self._db(write=True) as db:
                    db.execute(t.rooms.insert().values(code=room.code, name=room.name,
                                                       facilitator=facilitator, created=room.created))
                    db.execute(update(t.users).where(t.users.c.id == facilitator).values(role="facilitator"))
                return room
            except StoreError as err:  # a taken code is drawn again; anything else is reported
                if "unique" not in str(err).lower() and "duplicate" not in str(err).lower():
                    raise
        raise StoreError("No free room code could be found; please try again.")

    def room(self, code: str) -> Room | None:
        """The room with this code (as typed), or None."""
        code = normalize_code(code)
        if not code:
            return None
        with self._db() as db:
            row = db.execute(select(t.rooms).where(t.rooms.c.code == code)).first()
        return Room(*row) if row else None

    def rooms_of(self, facilitator: str) -> list[Room]:
        """The rooms this facilitator opened, newest first."""
        with self._db() as db:
            rows = db.execute(select(t.rooms).where(t.rooms.c.facilitator == facilitator)
                              .order_by(t.rooms.c.created.desc())).all()
        return [Room(*r) for r in rows]

    def close_room(self, code: str, facilitator: str) -> bool:
        """Close a room to new trainees (its results stay); only its facilitator can."""
        with self._db(write=True) as db:
            done = db.execute(update(t.rooms).where(t.rooms.c.code == normalize_code(code),
                                                    t.rooms.c.facilitator == facilitator,
                                                    t.rooms.c.closed.is_(None))
                              .values(closed=self.clock().isoformat()))
            return done.rowcount > 0

    def join_room(self, code: str, member: str) -> Room:
        """Join the room with this code (joining again just makes it the current room)."""
        room = self.room(code)
        if room is None:
            raise StoreError(f"There is no room with the code '{code.strip()[:20]}'. Check it with your "
                             f"facilitator.")
        if room.closed:
            raise StoreError(f"Room {room.code} is closed.")
        stmt = self._upsert(t.room_members,
                            {"room": room.code, "member": member, "joined": self.clock().isoformat()},
                            ["room", "member"], lambda ex: {"joined": ex.joined})
        with self._db(write=True) as db:
            db.execute(stmt)
        return room

    def leave_room(self, code: str, member: str) -> None:
        """Stop counting this member's work for the room (what they did there stays)."""
        with self._db(write=True) as db:
            db.execute(delete(t.room_members).where(t.room_members.c.room == normalize_code(code),
                                                     t.room_members.c.member == member))

    def current_room(self, member: str) -> Room | None:
        """The open room this member joined last, or None."""
        m, r = t.room_members.c, t.rooms.c
        with self._db() as db:
            row = db.execute(select(t.rooms).join(t.room_members, m.room == r.code)
                             .where(m.member == member, r.closed.is_(None))
                             .order_by(m.joined.desc()).limit(1)).first()
        return Room(*row) if row else None

    def room_report(self, code: str) -> RoomReport | None:
        """Each trainee's score in the room, the traps the room misses (worst first) and the cards reached."""
        room = self.room(code)
        if room is None:
            return None
        m, u, p, s = t.room_members.c, t.users.c, t.room_practice.c, t.sessions.c
        with self._db() as db:
            members = db.execute(select(m.member, func.coalesce(u.name, m.member))
                                 .outerjoin(t.users, u.id == m.member)
                                 .where(m.room == room.code).order_by(m.joined)).all()
            scores = {r[0]: (r[1], r[2]) for r in db.execute(
                select(p.learner, p.drills, p.correct).where(p.room == room.code))}
            traps = db.execute(select(t.room_traps.c.learner, t.room_traps.c.trap, t.room_traps.c.attempts,
                                      t.room_traps.c.misses).where(t.room_traps.c.room == room.code)).all()
            sessions = db.execute(select(s.owner, s.status, s.json).where(s.room == room.code)
                                  .order_by(s.updated)).all()
        cards: dict[str, list[str]] = defaultdict(list)
        counts: dict[str, int] = defaultdict(int)
        for owner, status, raw in sessions:
            counts[owner] += 1
            if status == "done":
                card = (json.loads(raw).get("card") or {})
                if card.get("product_outcome"):
                    cards[owner].append(str(card["product_outcome"]))
        rows = [TraineeRow(member=mid, name=name, drills=scores.get(mid, (0, 0))[0],
                           correct=scores.get(mid, (0, 0))[1], cards=cards.get(mid, []),
                           sessions=counts.get(mid, 0)) for mid, name in members]
        by_trap: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for _learner, trap, attempts, misses in traps:
            agg = by_trap[trap]
            agg[0] += attempts
            agg[1] += misses
            agg[2] += int(misses > 0)
        ranked = rank_traps([RoomTrap(trap, a, mi, by) for trap, (a, mi, by) in by_trap.items()])
        return RoomReport(room=room, trainees=rows, traps=ranked)
