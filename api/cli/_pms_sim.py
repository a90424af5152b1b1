"""`unitgate pms-sim`: a simulated PMS serving its JSON API on 127.0.0.1."""

from __future__ import annotations

import threading
import time

import click
import uvicorn
from sqlmodel import col, select

from adapters.pms.sim import (
    Faults,
    PmsModel,
    Simulator,
    WebhookPusher,
    WebhookTarget,
    simulator_app,
)
from api.cli._context import runtime
from engine.persistence.tables import Facility, Unit


@click.command(name="pms-sim")
@click.option("--port", type=int, default=8090, show_default=True)
@click.option(
    "--facility",
    "facilities",
    multiple=True,
    default=["demo-riverside"],
    show_default=True,
    help="PMS ref of a facility to simulate (repeat for more)",
)
@click.option("--units", type=int, default=40, show_default=True, help="units per facility")
@click.option(
    "--mirror",
    is_flag=True,
    help="simulate the PMS of the configured database's PMS-linked facilities and units "
    "(e.g. the demo's) instead of --facility/--units",
)
@click.option("--occupancy", type=float, default=0.7, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--access-level",
    "access_levels",
    multiple=True,
    help='an access-level name (SiteLink\'s "gate access level") the PMS gives move-ins, '
    "round-robin in move-in order (repeat for more; default: records carry none)",
)
@click.option("--rate", type=float, default=0.0, help="changes per second made in the background")
@click.option(
    "--webhook",
    default=None,
    help="unitgate's base URL: each change is pushed, signed, to URL/v1/pms/webhooks/<facility "
    "id> (the facilities, by PMS ref, must be in the configured database)",
)
@click.option("--webhook-secret", envvar="UNITGATE_PMS_WEBHOOK_SECRET", default=None)
@click.option(
    "--faults", default=None, help="fault probabilities as JSON, e.g. '{\"timeout\": 0.1}'"
)
def pms_sim(
    port: int,
    facilities: tuple[str, ...],
    units: int,
    mirror: bool,
    occupancy: float,
    seed: int,
    access_levels: tuple[str, ...],
    rate: float,
    webhook: str | None,
    webhook_secret: str | None,
    faults: str | None,
) -> None:
    """Serve a simulated PMS (units, change feed, faults, webhooks) on 127.0.0.1."""
    too_long = [n for n in access_levels if not n.strip() or len(n) > 100]
    if too_long:
        raise click.BadParameter(
            f"`{too_long[0][:40]}`: an access-level name is 1 to 100 characters",
            param_hint="--access-level",
        )
    if webhook and not webhook_secret:
        raise click.UsageError("--webhook needs --webhook-secret (or UNITGATE_PMS_WEBHOOK_SECRET)")
    if mirror:
        linked = _linked_units()
        if not linked:
            raise click.ClickException("the database has no PMS-linked facility to mirror")
        model = PmsModel.of_units(
            linked, seed=seed, occupancy=occupancy, access_levels=access_levels
        )
        facilities = tuple(linked)
    else:
        model = PmsModel.build(
            list(facilities), units, seed=seed, occupancy=occupancy, access_levels=access_levels
        )
    pusher = None
    if webhook and webhook_secret:
        pusher = WebhookPusher(_webhook_targets(webhook, facilities), webhook_secret.encode())
    sim = Simulator(model, pusher=pusher)
    if faults:
        sim.injector.configure(Faults.model_validate_json(faults))
    if rate > 0:
        threading.Thread(target=_changes, args=(sim, rate), daemon=True).start()
    click.echo(f"PMS simulator on http://127.0.0.1:{port} for {', '.join(facilities)}")
    uvicorn.run(simulator_app(sim), host="127.0.0.1", port=port, log_level="warning")


def _linked_units() -> dict[str, list[str]]:
    """PMS ref of each PMS-linked facility → the PMS refs of its units."""
    rt = runtime()
    with rt.db.read() as s:
        rows = s.exec(
            select(Facility.pms_ref, Unit.pms_ref)
            .join(Unit, col(Unit.facility_id) == col(Facility.id))
            .where(col(Facility.pms_ref).is_not(None), col(Unit.pms_ref).is_not(None))
            .order_by(col(Unit.pms_ref))
        ).all()
    rt.db.dispose()
    out: dict[str, list[str]] = {}
    for facility_ref, unit_ref in rows:
        if facility_ref is not None and unit_ref is not None:  # the query excludes None
            out.setdefault(facility_ref, []).append(unit_ref)
    return out


def _webhook_targets(base_url: str, facility_refs: tuple[str, ...]) -> dict[str, WebhookTarget]:
    """Each simulated facility's webhook target: its unitgate id and company (by PMS ref)."""
    rt = runtime()
    with rt.db.read() as s:
        rows = s.exec(
            select(Facility.pms_ref, Facility.company_id, Facility.id).where(
                col(Facility.pms_ref).in_(facility_refs)
            )
        ).all()
    rt.db.dispose()
    found: dict[str, list[tuple[str, str]]] = {}
    for ref, company_id, facility_id in rows:
        found.setdefault(str(ref), []).append((company_id, facility_id))
    targets = {}
    for ref in facility_refs:
        matches = found.get(ref, [])
        if len(matches) != 1:
            raise click.ClickException(
                f"facility `{ref}`: {'no' if not matches else len(matches)} facilities with this "
                "PMS ref in the database (a push is signed for one facility's id)"
            )
        targets[ref] = WebhookTarget.at(base_url, *matches[0])
    return targets


def _changes(sim: Simulator, rate: float) -> None:
    while True:
        time.sleep(1 / rate)
        sim.advance(1)
