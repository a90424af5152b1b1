"""Seed 000 steps 6 to 8: the lease has started, an existing account (and where else it is
used), and whether the tenant's app has been calling unitgate."""

from __future__ import annotations

from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, CheckStatus
from engine.diagnosis._text import ago, iso

__all__ = ["account_check", "app_check", "lease_check"]

_PASS, _FAIL, _UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN


def _lease_ahead(f: SectionFacts) -> bool:
    return f.rental is not None and f.rental.lease_start.isoformat() > f.local_today


def lease_check(f: SectionFacts) -> Check:
    """Step 6: the lease start (a facility-local date) is today or before."""
    title = "Lease start"
    if f.rental is None:
        return Check("lease", 6, title, _UNKNOWN, "no rental to look at")
    start = f.rental.lease_start.isoformat()
    evidence = {
        "lease_start": start,
        "facility_today": f.local_today,
        "timezone": f.facility.timezone,
    }
    if _lease_ahead(f):
        return Check(
            "lease",
            6,
            title,
            _FAIL,
            f"the lease starts {start}: no access and no activation code before then",
            evidence,
            f"Confirm the lease start in the PMS: the tenant gets the code on {start}. If the "
            "lease should have started, correct the date in the PMS.",
        )
    return Check("lease", 6, title, _PASS, f"the lease started {start}", evidence)


def account_check(f: SectionFacts) -> Check:
    """Step 7: a tenant who already has an account gets no new code; fails when that is so
    and their app has not been seen since this rental began."""
    title = "Existing account"
    others = [label for fid, label in f.places.here if fid != f.facility.id]
    n = f.places.other_companies
    evidence = {
        "person_since": iso(f.person.created_at),
        "other_facilities": others,
        "other_companies": n,
    }
    where = (["also at " + ", ".join(others)] if others else []) + (
        [f"at {n} other storage compan{'y' if n == 1 else 'ies'}"] if n else []
    )
    spans = f" ({'; '.join(where)})" if where else ""
    r, seen = f.rental, f.person.app_seen_at
    no_code = f.activation is not None and f.activation.status == "existing_account"
    if r is not None and no_code and (seen is None or seen < r.started_at):
        steps = ["Have the tenant refresh the app"]
        if others:
            steps.append("switch to this facility with the dropdown next to the facility name")
        if n:
            steps.append("log out and log back in to see every company")
        return Check(
            "account",
            7,
            title,
            _FAIL,
            f"no new code was sent: the tenant already has an account{spans}, and their app "
            "has not been seen since this rental",
            evidence,
            "; ".join(steps) + ".",
        )
    kind = "an existing account" if no_code or where else "an account"
    return Check("account", 7, title, _PASS, f"{kind}{spans}", evidence)


def app_check(f: SectionFacts) -> Check:
    """Step 8: the tenant's app has called unitgate since the rental began."""
    title = "App last seen"
    seen = f.person.app_seen_at
    evidence = {"app_seen_at": iso(seen)}
    if seen is None:
        if _lease_ahead(f):
            return Check(
                "app", 8, title, _UNKNOWN, "never seen; no code before the lease starts", evidence
            )
        return Check(
            "app",
            8,
            title,
            _FAIL,
            "the tenant's app has never called unitgate",
            evidence,
            "Have the tenant open the link in the activation message and sign in; if it fails, "
            "try another phone or tablet to tell the device from the app.",
        )
    if f.rental is not None and seen < f.rental.started_at:
        return Check(
            "app",
            8,
            title,
            _UNKNOWN,
            f"last seen {ago(f.now, seen)}, before this rental began",
            evidence,
            "Have the tenant refresh the app.",
        )
    return Check("app", 8, title, _PASS, f"last seen {ago(f.now, seen)}", evidence)
