"""The simulated PMS's access-level names: none unless configured; configured ones go to
move-ins in turn and show in the snapshot, the change feed and webhook pushes; one unit's
name changes through the control route."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar, post
from litestar.params import FromPath, JSONBody

from adapters.pms.sim import (
    BackgroundServer,
    PmsModel,
    Simulator,
    WebhookPusher,
    WebhookTarget,
    simulator_app,
)


def test_records_carry_no_access_level_unless_configured() -> None:
    plain = PmsModel.build(["F1"], 6, seed=4, occupancy=1.0)
    named = PmsModel.build(["F1"], 6, seed=4, occupancy=1.0, access_levels=("Gold", "Basic"))
    assert all("access_level" not in r for r in plain.snapshot("F1"))
    assert [r["access_level"] for r in named.snapshot("F1")] == ["Gold", "Basic"] * 3
    # The same random stream: apart from the names, the two PMSs hold the same units.
    for a, b in zip(plain.snapshot("F1"), named.snapshot("F1"), strict=True):
        b.pop("access_level")
        a.pop("changed_at"), b.pop("changed_at")
        assert a == b
    for _ in range(30):
        plain.step()
        named.step()
    assert [r.get("status") for r in plain.snapshot("F1")] == [
        r.get("status") for r in named.snapshot("F1")
    ]


def test_the_control_route_changes_one_units_level_in_every_view() -> None:
    sim = Simulator(PmsModel.build(["F1"], 3, seed=1, occupancy=1.0, access_levels=("Gold",)))
    sim.model.change("F1", "F1-000003", {"status": "vacant"})
    with BackgroundServer(simulator_app(sim)) as url, httpx.Client(base_url=url) as http:
        route = "/v1/admin/facilities/F1/units/{}/access-level"
        before = http.get("/v1/facilities/F1/changes").json()["next_cursor"]
        got = http.put(route.format("F1-000001"), json={"access_level": "Platinum"})
        assert got.status_code == 200, got.text
        assert got.json()["access_level"] == "Platinum"
        units = {r["unit_ref"]: r for r in http.get("/v1/facilities/F1/units").json()["records"]}
        assert units["F1-000001"]["access_level"] == "Platinum"
        assert units["F1-000001"]["seq"] == got.json()["seq"] == 3
        assert units["F1-000002"]["access_level"] == "Gold"
        feed = http.get("/v1/facilities/F1/changes", params={"cursor": before}).json()
        assert [(r["unit_ref"], r["access_level"]) for r in feed["records"]] == [
            ("F1-000001", "Platinum")
        ]
        dropped = http.put(route.format("F1-000002"), json={"access_level": None}).json()
        assert "access_level" not in dropped
        vacant = http.put(route.format("F1-000003"), json={"access_level": "Gold"})
        assert vacant.status_code == 409 and "vacant" in vacant.text
        assert http.put(route.format("NOPE"), json={"access_level": "x"}).status_code == 404
        long = http.put(route.format("F1-000001"), json={"access_level": "x" * 101})
        assert long.status_code == 400


def test_a_level_change_is_pushed_as_a_webhook() -> None:
    """The real pusher POSTs the change, signed, to the facility's route like any other."""
    got: list[dict[str, Any]] = []

    @post("/v1/pms/webhooks/{facility_id:str}", status_code=202)
    async def receive(facility_id: FromPath[str], data: JSONBody[dict[str, Any]]) -> None:
        got.append({"facility_id": facility_id, **data})

    with BackgroundServer(Litestar([receive])) as url:
        pusher = WebhookPusher({"F1": WebhookTarget.at(url, "c1", "f1")}, b"secret")
        sim = Simulator(PmsModel.build(["F1"], 1, seed=1, occupancy=1.0), pusher=pusher)
        sim.set_access_level("F1", "F1-000001", "Gold")
        pusher.close()
    assert [(g["facility_id"], g["facility_ref"]) for g in got] == [("f1", "F1")]
    assert [r["access_level"] for r in got[0]["records"]] == ["Gold"]


def test_the_cli_refuses_a_name_the_record_could_not_carry() -> None:
    from click.testing import CliRunner

    from api.cli._pms_sim import pms_sim

    done = CliRunner().invoke(pms_sim, ["--access-level", "x" * 101])
    assert done.exit_code == 2
    assert "--access-level" in done.output and "1 to 100 characters" in done.output
