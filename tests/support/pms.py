"""A PMS-linked facility matching a simulated PMS, and views to compare the two."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select

from adapters.pms import HttpPmsConnector, PmsRecord, RetryPolicy
from adapters.pms.sim import BackgroundServer, PmsModel, Simulator, simulator_app
from adapters.sync import expected_status
from engine.persistence import table_of
from engine.persistence.tables import Rental, Unit
from engine.runtime import Runtime
from engine.sites import add_unit, create_company, create_facility

FAST_RETRY = RetryPolicy(attempts=8, base_delay=0.001, max_delay=0.01)
"""Retries without real waiting, for tests."""


@dataclass
class LinkedFacility:
    """Our facility made for a simulated PMS facility."""

    facility_id: str
    pms_ref: str
    unit_ids: dict[str, str]
    """PMS unit ref → our unit id."""
    company_id: str


def link_facility(rt: Runtime, model: PmsModel, pms_ref: str, name: str = "Acme") -> LinkedFacility:
    """A company and facility holding every unit the simulated PMS has at `pms_ref`."""
    now = rt.clock.now()
    with rt.db.transaction() as s:
        company = create_company(s, name, now)
        facility = create_facility(s, company.id, f"{name} {pms_ref}", now, pms_ref=pms_ref)
        units = {
            ref: add_unit(s, facility.id, ref, now, pms_ref=ref).id
            for ref in model.facilities[pms_ref]
        }
        return LinkedFacility(facility.id, pms_ref, units, company.id)


@contextmanager
def served(sim: Simulator) -> Iterator[HttpPmsConnector]:
    """The simulator on a loopback port and a connector to it (short timeout, fast retries)."""
    with BackgroundServer(simulator_app(sim)) as url:
        connector = HttpPmsConnector(url, timeout=0.5, retry=FAST_RETRY)
        try:
            yield connector
        finally:
            connector.close()


_unit, _rental = table_of(Unit), table_of(Rental)


def store_view(rt: Runtime, facility_id: str) -> dict[str, tuple[Any, ...]]:
    """Per unit ref: PMS status, tenant and rental refs, lease start, email, mobile."""
    statement = (
        select(
            _unit.c.pms_ref,
            _unit.c.pms_status,
            _rental.c.pms_tenant_ref,
            _rental.c.pms_rental_ref,
            _rental.c.lease_start,
            _rental.c.email,
            _rental.c.mobile,
        )
        .select_from(
            _unit.outerjoin(
                _rental, and_(_rental.c.unit_id == _unit.c.id, _rental.c.ended_at.is_(None))
            )
        )
        .where(_unit.c.facility_id == facility_id)
    )
    with rt.db.read() as s:
        return {r[0]: tuple(r[1:]) for r in s.connection().execute(statement)}


def pms_view(records: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """The same view of the PMS's own records."""
    out = {}
    for raw in records:
        r = PmsRecord.model_validate(raw)
        if r.status.value == "vacant":
            out[r.unit_ref] = ("available", None, None, None, None, None)
        else:
            out[r.unit_ref] = (
                expected_status(r),
                r.tenant_ref,
                r.rental_ref,
                r.lease_start,
                r.email,
                r.contact_mobile,
            )
    return out
