"""`unitgate pms-sim`: a simulated PMS serving its JSON API on 127.0.0.1."""

from __future__ import annotations

import threading
import time

import click
import uvicorn

from adapters.pms.sim import Faults, PmsModel, Simulator, WebhookPusher, simulator_app


@click.command(name="pms-sim")
@click.option("--port", type=int, default=8090, show_default=True)
@click.option(
    "--facility",
    "facilities",
    multiple=True,
    default=["demo-central"],
    show_default=True,
    help="PMS ref of a facility to simulate (repeat for more)",
)
@click.option("--units", type=int, default=40, show_default=True, help="units per facility")
@click.option("--occupancy", type=float, default=0.7, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--rate", type=float, default=0.0, help="changes per second made in the background")
@click.option("--webhook", default=None, help="URL to push each change to (signed)")
@click.option("--webhook-secret", envvar="UNITGATE_PMS_WEBHOOK_SECRET", default=None)
@click.option(
    "--faults", default=None, help="fault probabilities as JSON, e.g. '{\"timeout\": 0.1}'"
)
def pms_sim(
    port: int,
    facilities: tuple[str, ...],
    units: int,
    occupancy: float,
    seed: int,
    rate: float,
    webhook: str | None,
    webhook_secret: str | None,
    faults: str | None,
) -> None:
    """Serve a simulated PMS (units, change feed, faults, webhooks) on 127.0.0.1."""
    if webhook and not webhook_secret:
        raise click.UsageError("--webhook needs --webhook-secret (or UNITGATE_PMS_WEBHOOK_SECRET)")
    model = PmsModel.build(list(facilities), units, seed=seed, occupancy=occupancy)
    pusher = WebhookPusher(webhook, webhook_secret.encode()) if webhook and webhook_secret else None
    sim = Simulator(model, pusher=pusher)
    if faults:
        sim.injector.configure(Faults.model_validate_json(faults))
    if rate > 0:
        threading.Thread(target=_changes, args=(sim, rate), daemon=True).start()
    click.echo(f"PMS simulator on http://127.0.0.1:{port} for {', '.join(facilities)}")
    uvicorn.run(simulator_app(sim), host="127.0.0.1", port=port, log_level="warning")


def _changes(sim: Simulator, rate: float) -> None:
    while True:
        time.sleep(1 / rate)
        sim.advance(1)
