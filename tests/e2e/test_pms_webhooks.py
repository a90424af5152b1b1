"""PMS webhooks on the real server, over HTTP only: a push captured for one demo facility is
refused at the other's URL and recorded; a sequence number of 2^62 applies; the conflict a
payment opens on the demo's auctioned unit (Riverside A118, tenant t17) closes when the PMS
vacates the unit."""

from __future__ import annotations

from typing import Any

from api.demo import DEMO_COMPANY_ID
from tests.support.service import DEMO_MANAGER, Service


def _manager(service: Service) -> dict[str, str]:
    return service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")


def _facility(service: Service, name: str) -> str:
    [found] = [
        f["id"] for f in service.get("/v1/facilities", _manager(service)) if name in f["name"]
    ]
    return str(found)


def _unit(service: Service, facility_id: str, number: str) -> dict[str, Any]:
    units = service.get(f"/v1/facilities/{facility_id}/units", _manager(service))
    [unit] = [u for u in units if u["number"] == number]
    return service.get(f"/v1/units/{unit['id']}", _manager(service))  # type: ignore[no-any-return]


def _occupied(ref: str, seq: int, tenant: str) -> dict[str, Any]:
    return {
        "unit_ref": ref,
        "seq": seq,
        "status": "occupied",
        "tenant_ref": tenant,
        "email": f"{tenant}@mail.example",
        "lease_start": "2026-01-01",
    }


def test_a_push_replayed_to_the_other_facility_is_refused_and_recorded(service: Service) -> None:
    riverside, hilltop = _facility(service, "Riverside"), _facility(service, "Hilltop")
    records = [_occupied("riverside-A124", 10_000, "e2e-replay")]
    replayed = service.push_pms(riverside, records, to=hilltop)
    assert replayed.status_code == 401, replayed.text
    assert replayed.headers["content-type"].startswith("application/problem+json")
    status = service.get(f"/v1/facilities/{hilltop}/sync", _manager(service))
    assert f"signed for facility `{riverside}`, not this one" in status["rejected"][0]["error"]
    assert _unit(service, riverside, "A124")["state"] == "available"
    applied = service.push_pms(riverside, records)  # where it was signed for, it applies
    assert applied.status_code == 202, applied.text
    assert _unit(service, riverside, "A124")["state"] == "occupied"


def test_a_sequence_number_of_2_62_applies(service: Service) -> None:
    riverside = _facility(service, "Riverside")
    pushed = service.push_pms(riverside, [_occupied("riverside-A125", 2**62, "e2e-big")])
    assert pushed.status_code == 202, pushed.text
    assert pushed.json()["outcomes"] == {"applied": 1}
    unit = _unit(service, riverside, "A125")
    assert (unit["state"], unit["last_pms_seq"]) == ("occupied", 2**62)
    assert unit["history"][0]["pms_seq"] == 2**62


def test_the_auction_units_payment_conflict_closes_when_the_pms_vacates_it(
    service: Service,
) -> None:
    riverside = _facility(service, "Riverside")
    assert _unit(service, riverside, "A118")["state"] == "auction"
    paid = service.push_pms(riverside, [_occupied("riverside-A118", 5_000, "demo-t17")])
    assert paid.json()["outcomes"] == {"conflict": 1}, paid.text
    unit_id = _unit(service, riverside, "A118")["id"]
    status = service.get(f"/v1/facilities/{riverside}/sync", _manager(service))
    assert [c["unit_id"] for c in status["open_conflicts"]] == [unit_id]
    vacated = service.push_pms(
        riverside, [{"unit_ref": "riverside-A118", "seq": 5_001, "status": "vacant"}]
    )
    assert vacated.json()["outcomes"] == {"applied": 1}, vacated.text
    unit = _unit(service, riverside, "A118")
    assert unit["state"] == "available"
    [conflict] = unit["conflicts"]
    assert (conflict["resolved_by"], conflict["resolved_pms_seq"]) == ("pms", 5_001)
    assert conflict["resolution"] == "unit vacated by the PMS (seq 5001)"
    status = service.get(f"/v1/facilities/{riverside}/sync", _manager(service))
    assert unit_id not in [c["unit_id"] for c in status["open_conflicts"]]
    assert unit_id in [c["unit_id"] for c in status["resolved_conflicts"]]
