"""Telling a tenant about allowed decisions at their unit's lock, in the transaction that
records them: an employee opened it (an emergency, or a key the tenant shared), and a
shared key's first use."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, or_, select

from engine.access._decision_row import DecisionRow
from engine.domain import DoorKind, PrincipalKind, UnitState
from engine.notify import MessageKind
from engine.notify._tenant import notify_tenant, rental_context
from engine.persistence import table_of
from engine.persistence.tables import AccessDecisionRecord, KeyShare, Person, Rental, Unit

__all__ = ["may_notify", "notify_decisions"]

_share, _rental, _unit = table_of(KeyShare), table_of(Rental), table_of(Unit)
_person, _decision = table_of(Person), table_of(AccessDecisionRecord)


def may_notify(row: DecisionRow) -> bool:
    """Whether recording `row` may tell the unit's tenant something (cheap, no I/O)."""
    if not row.allowed or row.unit_id is None:
        return False
    request = row.audit.get("request") or {}
    if request.get("door") != DoorKind.UNIT_LOCK.value:
        return False
    via = str(row.audit.get("via", ""))
    return row.principal_kind == PrincipalKind.EMPLOYEE.value or via.startswith("share:")


def notify_decisions(conn: Connection, rows: Sequence[DecisionRow], ids: Sequence[int]) -> None:
    """The messages `rows` (recorded as `ids`, in `conn`'s transaction) cause."""
    for row, decision_id in zip(rows, ids, strict=True):
        if not may_notify(row):
            continue
        via = str(row.audit.get("via", ""))
        share_id = via.removeprefix("share:") if via.startswith("share:") else None
        rental_id = _rental_of(conn, row, share_id)
        ctx = rental_context(conn, rental_id) if rental_id else None
        if ctx is None or ctx.ended:
            continue
        if row.principal_kind == PrincipalKind.EMPLOYEE.value:
            reason = "shared key" if share_id else _emergency(conn, row)
            if reason is not None:
                extra = {
                    "employee_name": _name(conn, row.person_id),
                    "reason": reason,
                    "opened_at": ctx.local(row.at),
                }
                key = f"employee_opened_unit/{decision_id}"
                notify_tenant(conn, ctx, MessageKind.EMPLOYEE_OPENED_UNIT, key, extra, row.at)
        if share_id and _first_use(conn, row, decision_id):
            label = conn.execute(
                select(_share.c.grantee_label).where(_share.c.id == share_id)
            ).scalar()
            extra = {
                "grantee_label": label or _name(conn, row.person_id),
                "used_at": ctx.local(row.at),
            }
            key = f"share_first_used/{share_id}"
            notify_tenant(conn, ctx, MessageKind.SHARE_FIRST_USED, key, extra, row.at)


def _rental_of(conn: Connection, row: DecisionRow, share_id: str | None) -> str | None:
    if share_id is not None:
        query = select(_share.c.rental_id).where(_share.c.id == share_id)
    else:
        query = select(_rental.c.id).where(
            _rental.c.unit_id == row.unit_id, _rental.c.ended_at.is_(None)
        )
    found = conn.execute(query).scalar()
    return str(found) if found is not None else None


def _emergency(conn: Connection, row: DecisionRow) -> str | None:
    """`emergency` when the unit is in an emergency pending_auction (seed 001)."""
    unit = conn.execute(
        select(_unit.c.state, _unit.c.emergency_until).where(_unit.c.id == row.unit_id)
    ).first()
    if unit is None or unit.state != UnitState.PENDING_AUCTION.value:
        return None
    return "emergency" if unit.emergency_until is not None else None


def _first_use(conn: Connection, row: DecisionRow, decision_id: int) -> bool:
    earlier = conn.execute(
        select(_decision.c.id)
        .where(
            _decision.c.unit_id == row.unit_id,
            _decision.c.person_id == row.person_id,
            _decision.c.allowed.is_(True),
            # ids are drawn in blocks per writer on PostgreSQL: time orders them
            or_(
                _decision.c.at < row.at,
                and_(_decision.c.at == row.at, _decision.c.id < decision_id),
            ),
        )
        .limit(1)
    ).first()
    return earlier is None


def _name(conn: Connection, person_id: str | None) -> str:
    if person_id is None:
        return "an employee"
    name = conn.execute(select(_person.c.name).where(_person.c.id == person_id)).scalar()
    return str(name) if name else "an employee"
