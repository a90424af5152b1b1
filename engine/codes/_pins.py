"""Each person's number at a facility: kept while it fits every lock they get a code on and
collides with nothing there; otherwise another (phone digits when set and possible)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from engine.codes._check import code_fits
from engine.codes._pick import NoCodeFits, choose_code
from engine.codes._rules import CodeModel
from engine.persistence.tables import KeypadPin

__all__ = ["PinNeed", "ensure_pins"]


@dataclass(frozen=True)
class PinNeed:
    """A person who needs a number: the models of their locks, the numbers taken there by
    others, their phone, and numbers found colliding this round."""

    person_id: str
    models: tuple[CodeModel, ...]
    taken: frozenset[str]
    phone: str | None
    collided: frozenset[str] = frozenset()


def ensure_pins(
    session: Session,
    facility_id: str,
    needs: Iterable[PinNeed],
    now: datetime,
    rng: random.Random,
    *,
    from_phone: bool,
) -> tuple[dict[str, str], dict[str, str]]:
    """Every person's number (person → code), choosing or changing those that must; and
    person → why no number fits their locks."""
    rows = {
        p.person_id: p
        for p in session.exec(select(KeypadPin).where(col(KeypadPin.facility_id) == facility_id))
    }
    used: dict[str, str] = {p.code: p.person_id for p in rows.values()}
    out: dict[str, str] = {}
    failed: dict[str, str] = {}
    for need in sorted(needs, key=lambda n: n.person_id):
        row = rows.get(need.person_id)
        taken = set(need.taken) | {c for c, who in used.items() if who != need.person_id}
        if row is not None and need.collided:
            row.avoid = sorted({*row.avoid, *need.collided})
        if (
            row is not None
            and row.code not in row.avoid
            and code_fits(row.code, need.models, taken)
        ):
            out[need.person_id] = row.code
            continue
        avoid = set(row.avoid) if row is not None else set(need.collided)
        try:
            code, source = choose_code(
                need.models, taken, rng, phone=need.phone if from_phone else None, avoid=avoid
            )
        except NoCodeFits as exc:
            failed[need.person_id] = exc.message
            continue
        if row is None:
            row = KeypadPin(
                facility_id=facility_id,
                person_id=need.person_id,
                code=code,
                source=source,
                avoid=sorted(avoid),
                updated_at=now,
            )
        else:
            used.pop(row.code, None)
            row.code, row.source, row.updated_at = code, source, now
        used[code] = need.person_id
        rows[need.person_id] = row
        session.add(row)
        out[need.person_id] = code
    return out, failed
