"""`unitgate sms-sim`: a simulated SMS provider on 127.0.0.1 (tests, bench, demos)."""

from __future__ import annotations

import click
import uvicorn

from adapters.notify import SimFaults, SmsSimulator, sms_sim_app


@click.command(name="sms-sim")
@click.option("--port", type=int, default=8092, show_default=True)
@click.option(
    "--secret",
    envvar="UNITGATE_SMS_SECRET",
    required=True,
    help="secret delivery reports are signed with (unitgate's UNITGATE_SMS_SECRET)",
)
@click.option("--no-callbacks", is_flag=True, help="post no delivery reports")
@click.option("--undelivered", multiple=True, help="a number whose messages end undelivered")
@click.option("--failed", multiple=True, help="a number whose messages end failed")
@click.option("--reject", multiple=True, help="a number refused: `cannot send to this number`")
def sms_sim(
    port: int,
    secret: str,
    no_callbacks: bool,
    undelivered: tuple[str, ...],
    failed: tuple[str, ...],
    reject: tuple[str, ...],
) -> None:
    """Serve a simulated SMS provider: `POST /v1/messages` (with `Idempotency-Key`), signed
    delivery reports to each message's status_callback, `/control/state` and
    `PUT /control/faults` (delay, errors)."""
    faults = SimFaults(undelivered=list(undelivered), failed=list(failed), rejected=list(reject))
    sim = SmsSimulator(secret.encode(), callbacks=not no_callbacks, faults=faults)
    click.echo(f"SMS provider simulator on http://127.0.0.1:{port}")
    uvicorn.run(
        sms_sim_app(sim), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
