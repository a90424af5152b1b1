"""Portal lien actions: pending auction, emergency, auction sale, clean-out, restore."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Router, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import Session, col, select

from api.problems import problems
from api.routes._deps import employee_unit
from api.routes._views import transition_out, unit_out
from api.schemas import CleanoutIn, EmergencyIn, LienIn, SaleIn, TransitionResult, WinnerIn
from api.telemetry import Telemetry
from engine.access import Caller, person_in_company
from engine.domain import LifecycleEvent, Permission
from engine.errors import InvalidInputError
from engine.persistence.tables import Person, Role, RoleAssignment
from engine.runtime import Runtime
from engine.sites import add_person, find_person
from engine.units import expire_if_due, expiry_due

__all__ = ["lifecycle_router"]

_ERRORS = problems(403, 404, 409)


def _act(
    runtime: Runtime,
    telemetry: Telemetry,
    caller: Caller,
    unit_id: str,
    event: LifecycleEvent,
    permission: Permission,
    body: LienIn,
    **details: Any,
) -> TransitionResult:
    """Apply one portal event to the unit in one transaction and return what it recorded.

    A unit whose lien has reached its stated end gets that expiry recorded first, in the
    same transaction: the action applies to the state decisions already see.
    """
    svc = runtime.lifecycle
    with telemetry.transition_span(unit_id, event.value) as span, runtime.db.transaction() as s:
        unit, _, held = employee_unit(s, caller, unit_id, permission)
        if expiry_due(unit, svc.clock.now()) is not None:
            expire_if_due(s, svc, [unit.id])
        resolved = {k: (v(s) if callable(v) else v) for k, v in details.items()}
        request = svc.request(
            event, actor=caller.actor, permissions=held, reason=body.reason, **resolved
        )
        applied = svc.apply(s, unit.id, request, expected_version=body.expected_version)
        # INVARIANT: portal events never become sync conflicts, so a transition was recorded.
        assert applied.transition is not None
        outcome = applied.outcome
        telemetry.record_transition(
            span,
            {"event": event.value, "from": outcome.from_state.value, "to": outcome.to_state.value},
        )
        result = TransitionResult(
            unit=unit_out(svc.load(s, unit.id), request.now),
            transition=transition_out(applied.transition),
        )
    if result.unit.emergency_until is not None or result.unit.access_until is not None:
        runtime.expiry_alarm.ring()  # committed: this process's duty plans for the new end
    runtime.codes_alarm.ring()  # committed: the keypad codes follow the new state now
    return result


@post("/units/{unit_id:str}/pending-auction", responses=_ERRORS, sync_to_thread=True)
def mark_pending_auction(
    runtime: NamedDependency[Runtime],
    telemetry: NamedDependency[Telemetry],
    caller: NamedDependency[Caller],
    unit_id: FromPath[str],
    data: JSONBody[LienIn],
) -> TransitionResult:
    """Move a gatelocked or overlocked unit to pending auction (tenant locked out, seed 001)."""
    return _act(
        runtime,
        telemetry,
        caller,
        unit_id,
        LifecycleEvent.MARK_PENDING_AUCTION,
        Permission.LIEN_MARK_PENDING_AUCTION,
        data,
    )


@post("/units/{unit_id:str}/emergency", responses=_ERRORS, sync_to_thread=True)
def emergency_pending_auction(
    runtime: NamedDependency[Runtime],
    telemetry: NamedDependency[Telemetry],
    caller: NamedDependency[Caller],
    unit_id: FromPath[str],
    data: JSONBody[EmergencyIn],
) -> TransitionResult:
    """An occupied unit to a logged pending auction that ends by itself (seed 001 emergency)."""
    reason = f"{data.reason} (identity verified: {data.identity_verification})"
    return _act(
        runtime,
        telemetry,
        caller,
        unit_id,
        LifecycleEvent.MARK_PENDING_AUCTION,
        Permission.LIEN_EMERGENCY,
        data.model_copy(update={"reason": reason[:500]}),
        expires_at=data.ends(runtime.clock.now()),
    )


@post("/units/{unit_id:str}/auction-sale", responses=_ERRORS, sync_to_thread=True)
def record_auction_sale(
    runtime: NamedDependency[Runtime],
    telemetry: NamedDependency[Telemetry],
    caller: NamedDependency[Caller],
    unit_id: FromPath[str],
    data: JSONBody[SaleIn],
) -> TransitionResult:
    """Record the sale: the winner may open the unit inside the window (auction state)."""
    now = runtime.clock.now()
    return _act(
        runtime,
        telemetry,
        caller,
        unit_id,
        LifecycleEvent.RECORD_AUCTION_SALE,
        Permission.AUCTION_RECORD_SALE,
        data,
        grantee=lambda s: _winner(s, caller.company_id, data.winner, now),
        window_start=data.window_start,
        window_end=data.window_end,
    )


@post("/units/{unit_id:str}/cleanout", responses=_ERRORS, sync_to_thread=True)
def assign_cleanout_access(
    runtime: NamedDependency[Runtime],
    telemetry: NamedDependency[Telemetry],
    caller: NamedDependency[Caller],
    unit_id: FromPath[str],
    data: JSONBody[CleanoutIn],
) -> TransitionResult:
    """Give an employee of the company clean-out access inside a window (auction state)."""
    return _act(
        runtime,
        telemetry,
        caller,
        unit_id,
        LifecycleEvent.ASSIGN_CLEANOUT_ACCESS,
        Permission.AUCTION_ASSIGN_CLEANOUT,
        data,
        grantee=lambda s: _employee(s, caller.company_id, data.employee_id),
        window_start=data.window_start,
        window_end=data.window_end,
    )


@post("/units/{unit_id:str}/restore", responses=_ERRORS, sync_to_thread=True)
def restore(
    runtime: NamedDependency[Runtime],
    telemetry: NamedDependency[Telemetry],
    caller: NamedDependency[Caller],
    unit_id: FromPath[str],
    data: JSONBody[LienIn],
) -> TransitionResult:
    """Return a pending-auction unit to its PMS status (the tenant paid, or it was a mistake)."""
    return _act(
        runtime,
        telemetry,
        caller,
        unit_id,
        LifecycleEvent.RESTORE,
        Permission.LIEN_RESTORE,
        data,
    )


def _winner(session: Session, company_id: str, winner: WinnerIn, now: datetime) -> str:
    if winner.person_id is not None:
        # Another company's person is answered as an id nobody has (ids are not probes).
        person = session.get(Person, winner.person_id)
        if person is None or not person_in_company(session, person.id, company_id):
            raise InvalidInputError(
                f"no person `{winner.person_id}`",
                help="omit `person_id` and give the winner's `name` and `email`",
            )
        return winner.person_id
    found = find_person(session, email=winner.email)
    if found is not None:
        return found.id
    assert winner.name is not None  # INVARIANT: WinnerIn requires a person_id or a name.
    return add_person(session, winner.name, now, email=winner.email, mobile=winner.mobile).id


def _employee(session: Session, company_id: str, person_id: str) -> str:
    holds = session.exec(
        select(RoleAssignment.id)
        .join(Role, col(Role.id) == col(RoleAssignment.role_id))
        .where(RoleAssignment.person_id == person_id, Role.company_id == company_id)
    ).first()
    if holds is None:
        raise InvalidInputError(
            f"`{person_id}` is not an employee of this company",
            help="clean-out access goes to a person holding a role in the company",
        )
    return person_id


lifecycle_router = Router(
    "/v1",
    route_handlers=[
        mark_pending_auction,
        emergency_pending_auction,
        record_auction_sale,
        assign_cleanout_access,
        restore,
    ],
    tags=["portal: lifecycle"],
)
