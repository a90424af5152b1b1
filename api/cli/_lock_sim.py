"""`unitgate lock-sim`: a simulated keypad lock service on 127.0.0.1."""

from __future__ import annotations

import json

import click
import uvicorn

from adapters.lockservice.sim import SimulatedLockService, lock_service_app
from api.cli._context import reports_errors


@click.command(name="lock-sim")
@click.option("--port", type=int, default=8093, show_default=True)
@click.option(
    "--device",
    "devices",
    multiple=True,
    help="a keypad lock as ID:MODEL (repeatable; models: engine/codes/code_models.yaml); "
    "more can be added with POST /control/devices",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--faults", default=None, help="faults as JSON, e.g. '{\"reject_rate\": 0.2}'")
@reports_errors
def lock_sim(port: int, devices: tuple[str, ...], seed: int, faults: str | None) -> None:
    """Serve a simulated lock service (Seam's access-code routes, a control API for faults
    and edits outside unitgate) on 127.0.0.1."""
    sim = SimulatedLockService(seed=seed)
    for spec in devices:
        device_id, sep, model = spec.partition(":")
        if not sep or not device_id:
            raise click.BadParameter(f"`{spec}` is not ID:MODEL", param_hint="--device")
        sim.add_device(device_id, model)
    if faults:
        try:
            sim.faults.update(json.loads(faults))
        except (ValueError, AssertionError) as exc:
            raise click.BadParameter(f"`{faults}`: {exc}", param_hint="--faults") from exc
    click.echo(f"lock service simulator on http://127.0.0.1:{port} ({len(devices)} devices)")
    uvicorn.run(lock_service_app(sim), host="127.0.0.1", port=port, log_level="warning")
