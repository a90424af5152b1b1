"""Seed 000 steps 1 and 2: the rental came from the PMS, its unit's sync keeps up, and the
unit is occupied."""

from __future__ import annotations

from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, CheckStatus
from engine.diagnosis._text import SYNC_BOUND, ago, iso, sync_lag

__all__ = ["rental_check", "sync_check", "unit_state_check"]

_PASS, _FAIL, _UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN


def rental_check(f: SectionFacts) -> Check:
    """Step 1: unitgate holds an active rental for the tenant, as the PMS sent it."""
    title = "Rental processed in the PMS"
    if f.rental is None:
        ended = [{"rental_id": r.id, "ended_at": iso(r.ended_at)} for r in f.ended]
        last = (
            f"; their last rental here ended {ago(f.now, f.ended[0].ended_at)}"
            if (f.ended and f.ended[0].ended_at is not None)
            else ""
        )
        return Check(
            "rental",
            1,
            title,
            _FAIL,
            f"unitgate has no active rental for {f.person.name} at {f.facility.name}{last}",
            {"facility_pms_ref": f.facility.pms_ref, "ended_rentals": ended},
            "Complete the rental (the move-in) in the PMS; it reaches unitgate with the next "
            "sync, within 1-5 minutes.",
        )
    r = f.rental
    move_in = f.move_in
    evidence = {
        "unit": f.unit.number if f.unit else None,
        "pms_tenant_ref": r.pms_tenant_ref,
        "pms_rental_ref": r.pms_rental_ref,
        "lease_start": r.lease_start.isoformat(),
        "started_at": iso(r.started_at),
        "move_in_at": iso(move_in.at) if move_in else None,
        "move_in_pms_seq": move_in.pms_seq if move_in else None,
    }
    via = f" (PMS tenant `{r.pms_tenant_ref}`)" if r.pms_tenant_ref else ""
    return Check(
        "rental",
        1,
        title,
        _PASS,
        f"the rental of unit {evidence['unit']}{via} is in unitgate since {iso(r.started_at)}",
        evidence,
    )


def sync_check(f: SectionFacts) -> Check:
    """Step 1's wait for the sync: the unit's PMS events are applied, none quarantined, and
    the facility's PMS is polled, each within the seed's 5 minutes."""
    title = "PMS sync of the unit"
    if f.sync is None or f.unit is None:
        return Check("sync", 1, title, _UNKNOWN, "no rented unit to look at")
    sync, unit = f.sync, f.unit
    state = sync.state
    evidence = {
        "unit_pms_ref": unit.pms_ref,
        "last_pms_seq": unit.last_pms_seq,
        "last_unit_sync_at": iso(sync.last_unit_sync_at),
        "last_poll_at": iso(state.last_poll_at) if state else None,
        "last_worker": state.last_worker if state else None,
        "last_error": state.last_error if state else None,
        "facility_pending": sync.facility_pending,
        "oldest_pending_at": iso(sync.oldest_pending_at),
        "unit_events_waiting": [
            {"id": i.id, "seq": i.seq, "status": i.status, "received_at": iso(i.received_at)}
            | ({"error": i.error} if i.error else {})
            for i in sync.unit_inbox
        ],
    }
    sync_page = f"GET /v1/facilities/{f.facility.id}/sync"
    quarantined = [i for i in sync.unit_inbox if i.status == "quarantined"]
    if quarantined:
        q = quarantined[0]
        return Check(
            "sync",
            1,
            title,
            _FAIL,
            f"a PMS event for unit {unit.number} is quarantined: {q.error}",
            evidence,
            f"Fix what the error says, then retry the event: `unitgate sync retry "
            f"{f.facility.pms_ref or f.facility.id} {q.id}` (or the portal's sync page).",
        )
    if state is not None and state.last_error:
        return Check(
            "sync",
            1,
            title,
            _FAIL,
            f"the last poll of the PMS failed: {state.last_error}",
            evidence,
            "Check the sync worker's PMS address and API key, and that the PMS is up.",
        )
    waiting = [i for i in sync.unit_inbox if f.now - i.received_at > SYNC_BOUND]
    if waiting:
        return Check(
            "sync",
            1,
            title,
            _FAIL,
            f"sync is lagging: a PMS event for unit {unit.number} received "
            f"{ago(f.now, waiting[0].received_at)} is not applied yet",
            evidence,
            f"Check that a sync worker runs for this facility (`unitgate sync run`); "
            f"{sync_page} shows its last poll and what is pending.",
        )
    lag = sync_lag(
        f.now,
        linked=sync.linked,
        last_poll_at=state.last_poll_at if state is not None else None,
        oldest_pending_at=sync.oldest_pending_at,
    )
    if lag is not None:
        return Check(
            "sync",
            1,
            title,
            _FAIL,
            f"the facility's sync is lagging: {lag}",
            evidence,
            f"Check that a sync worker runs for this facility (`unitgate sync run`) and look "
            f"at its log; {sync_page} shows what is pending.",
        )
    if sync.last_unit_sync_at is None:
        return Check(
            "sync", 1, title, _UNKNOWN, f"no PMS event for unit {unit.number} yet", evidence
        )
    return Check(
        "sync",
        1,
        title,
        _PASS,
        f"unit {unit.number} last synced {ago(f.now, sync.last_unit_sync_at)}; nothing waits",
        evidence,
    )


_STATE_TEXT = {
    "gatelock": (
        "is in gatelock: the PMS reports the account delinquent, gate access is suspended",
        "Bring the account current in the PMS (take the payment); the next sync restores access.",
    ),
    "overlock": (
        "is overlocked: the PMS reports the account delinquent",
        "Bring the account current in the PMS and remove the overlock; the next sync "
        "restores access.",
    ),
    "pending_auction": (
        "is in pending auction (a lien status set in the portal)",
        "Restore the unit in the portal if the lien is settled.",
    ),
    "auction": (
        "is in auction: only the winner or clean-out staff open it",
        "Nothing for the tenant: the unit was sold at auction.",
    ),
    "available": (
        "shows available although its rental is active",
        "Refresh the PMS data: `unitgate sync reconcile` restates what the PMS holds.",
    ),
}


def unit_state_check(f: SectionFacts) -> Check:
    """Step 2: the unit is `occupied` now (its effective state)."""
    title = "Unit status"
    if f.unit is None or f.unit_state is None:
        return Check("unit_state", 2, title, _UNKNOWN, "no rented unit to look at")
    unit = f.unit
    evidence = {
        "state": f.unit_state,
        "pms_status": unit.pms_status,
        "lien_reason": unit.lien_reason,
        "emergency_until": iso(unit.emergency_until),
        "updated_at": iso(unit.updated_at),
    }
    if f.unit_state == "occupied":
        return Check("unit_state", 2, title, _PASS, f"unit {unit.number} is occupied", evidence)
    what, fix = _STATE_TEXT.get(f.unit_state, (f"is {f.unit_state}", "Look at its history."))
    return Check("unit_state", 2, title, _FAIL, f"unit {unit.number} {what}", evidence, fix)
