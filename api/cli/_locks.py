"""`unitgate locks`: protocol vectors, a facility key, and the lock simulator's processes."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from typing import Any

import click

from hardware.protocol import PublicKey, SecretKey, TrustedKey
from hardware.vectors import VECTORS_PATH, render_vectors


@click.group()
def locks() -> None:
    """Bluetooth locks: protocol vectors, keys, simulated locks and gateway."""


@locks.command("vectors")
@click.option(
    "--output", type=click.Path(path_type=Path), default=VECTORS_PATH, help="where to write them"
)
@click.option("--check", is_flag=True, help="exit 1 if the file differs from the code's bytes")
def vectors_command(output: Path, check: bool) -> None:
    """Write the protocol's test vectors (specs/lock-protocol-vectors.json), or check them."""
    text = render_vectors()
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            click.echo(f"{output} is stale: run `unitgate locks vectors`", err=True)
            raise SystemExit(1)
        click.echo(f"{output} is current")
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")


@locks.command("keygen")
@click.option("--key-id", type=int, default=1, show_default=True)
def keygen_command(key_id: int) -> None:
    """Print a new facility signing key as JSON (keep `seed` secret; locks trust `public`)."""
    key = SecretKey.generate()
    click.echo(
        json.dumps({"key_id": key_id, "seed": key.seed.hex(), "public": key.public.raw.hex()})
    )


def _trusted(values: tuple[str, ...]) -> tuple[TrustedKey, ...]:
    keys = []
    for value in values:
        key_id, _, public = value.partition(":")
        try:
            keys.append(TrustedKey(int(key_id), PublicKey(bytes.fromhex(public))))
        except ValueError as exc:
            raise click.BadParameter(
                f"`{value}` is not KEY_ID:PUBLIC_HEX ({exc})", param_hint="--trust"
            ) from None
    return tuple(keys)


def _need_bumble() -> None:
    if importlib.util.find_spec("bumble") is None:
        raise click.ClickException("the lock simulator needs bumble, a dev dependency: `make env`")


_TRUST = click.option(
    "--trust",
    "trust",
    multiple=True,
    required=True,
    help="facility key the locks trust, KEY_ID:PUBLIC_HEX (from `unitgate locks keygen`)",
)


@locks.command("gateway")
@click.option("--port", type=int, default=8091, show_default=True)
@click.option("--locks", "count", type=int, default=3, show_default=True, help="simulated locks")
@click.option("--seed", type=int, default=0, show_default=True, help="derives lock ids and keys")
@click.option(
    "--hci",
    default=None,
    help="HCI transport of the gateway's controller (e.g. tcp-client:127.0.0.1:19001); the "
    "locks then run as `unitgate locks sim` processes; default: simulated in this process",
)
@click.option(
    "--trust",
    "trust",
    multiple=True,
    help="facility key the locks trust, KEY_ID:PUBLIC_HEX (from `unitgate locks keygen`, or "
    "`GET /v1/facilities/{id}/lock-key`)",
)
@click.option(
    "--facility",
    "facilities",
    multiple=True,
    help="a demo facility (id or key, repeatable): its registered simulated locks, trusting "
    "its key, both read from the database (instead of --locks/--seed/--trust)",
)
def gateway_command(
    port: int,
    count: int,
    seed: int,
    hci: str | None,
    trust: tuple[str, ...],
    facilities: tuple[str, ...],
) -> None:
    """Serve a gateway on 127.0.0.1 holding bumble links to simulated locks."""
    import uvicorn
    from litestar.datastructures import State

    from hardware.clock import SystemClock
    from hardware.gateway import Gateway, gateway_app

    _need_bumble()
    from hardware.gateway import simulated

    if facilities:
        specs = _facility_specs(facilities)
    elif trust:
        specs = simulated.sim_lock_specs(count, seed, _trusted(trust))
    else:
        raise click.UsageError("give --trust KEY_ID:PUBLIC_HEX, or --facility REF")

    async def build(state: State) -> Gateway:
        gateway, sim_locks = await simulated.simulated_gateway(specs, SystemClock(), hci=hci)
        state.sim_locks = sim_locks
        return gateway

    app = gateway_app(build, [simulated.sim_control])
    click.echo(f"gateway on http://127.0.0.1:{port} with {len(specs)} simulated locks")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _facility_specs(refs: tuple[str, ...]) -> list[Any]:
    """The simulated locks of demo facilities `refs`, each trusting its facility's key."""
    from sqlmodel import col, or_, select

    from api.cli._context import runtime
    from api.demo import demo_locks
    from api.locks import HardwareSigner
    from engine.locks import facility_key
    from engine.persistence.tables import Facility
    from hardware.gateway import simulated

    rt = runtime()
    specs: list[Any] = []
    try:
        with rt.db.transaction() as s:
            for ref in refs:
                facility = s.exec(
                    select(Facility).where(or_(col(Facility.id) == ref, col(Facility.key) == ref))
                ).first()
                if facility is None:
                    raise click.BadParameter(f"no facility `{ref}`", param_hint="--facility")
                found = demo_locks(s, facility)
                if found is None:
                    raise click.BadParameter(
                        f"facility `{ref}` has no simulated locks: run `unitgate demo load`",
                        param_hint="--facility",
                    )
                key = facility_key(s, facility.id, HardwareSigner().public_of, rt.clock.now())
                trusted = _trusted((f"{key.key_id}:{key.public}",))
                specs += simulated.sim_lock_specs(found[1], found[0], trusted)
    finally:
        rt.db.dispose()
    return specs


@locks.command("sim")
@click.option("--hci", required=True, help="HCI transport of this lock's controller")
@click.option("--index", type=int, default=1, show_default=True, help="which lock of the seed")
@click.option("--seed", type=int, default=0, show_default=True)
@_TRUST
def sim_command(hci: str, index: int, seed: int, trust: tuple[str, ...]) -> None:
    """Run one simulated lock as a GATT peripheral on a bumble controller (another process)."""
    from hardware.clock import SystemClock
    from hardware.sim import LockFirmware, SimulatedLink
    from hardware.sim.peripheral import LockPeripheral, Radio

    _need_bumble()
    from hardware.gateway import simulated

    spec = simulated.sim_lock_specs(index, seed, _trusted(trust))[index - 1]

    async def serve() -> None:
        radio = Radio()
        device = await radio.hci_device(f"lock-{index}", simulated.lock_address(index), hci)
        peripheral = LockPeripheral(device, SimulatedLink(LockFirmware(spec, SystemClock())))
        await peripheral.start()
        click.echo(f"lock {spec.lock_id} advertising at {simulated.lock_address(index)}")
        await asyncio.Event().wait()

    asyncio.run(serve())


@locks.command("poll")
@click.option("--once", is_flag=True, help="poll the locks due now, then exit")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(0.1, 3600),
    default=None,
    help="how often each lock is polled (default: UNITGATE_LOCK_POLL_SECONDS)",
)
def poll_command(once: bool, poll_seconds: float | None) -> None:
    """Poll every lock with a gateway (status, health, offline log, revocations), sharing
    the locks with serve's duty and other workers (on PostgreSQL: each lock by one at a
    time)."""
    import signal

    from api.app import build_runtime
    from api.cli._context import settings
    from api.lock_duty import lock_poller
    from api.telemetry import build_telemetry
    from engine.locks import Polled

    config = settings()
    if poll_seconds is not None:
        config = config.model_copy(update={"lock_poll_seconds": poll_seconds})
    rt = build_runtime(config)
    telemetry = build_telemetry(config)

    def report(polled: Polled) -> None:
        telemetry.record_lock_poll(polled)
        for change in polled.changes:
            advice = f" ({change.advice})" if change.advice else ""
            click.echo(f"lock {polled.lock_id}: {change.kind}: {change.detail}{advice}")
        if polled.landed:
            click.echo(f"lock {polled.lock_id}: {polled.landed} log event(s) recorded")

    poller = lock_poller(rt, config, report)
    try:
        if once:
            polled = asyncio.run(poller.round())
            click.echo(f"polled {len(polled)} lock(s)")
        else:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: poller.stop())
            click.echo(
                f"lock duty running, each lock every {config.lock_poll_seconds:g} s (Ctrl-C stops)"
            )
            poller.run()
    finally:
        telemetry.shutdown()
        rt.db.dispose()
