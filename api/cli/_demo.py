"""`unitgate demo`: the demo company, and its stories played against a running server."""

from __future__ import annotations

import json

import click

from api.cli._context import reports_errors, runtime, settings
from api.demo import load_demo
from api.demo.run import STORIES, DemoClient, DemoError, DemoSite, StepOutcome, play


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@reports_errors
def load_command() -> None:
    """Load the demo companies (Acme, Bolt; ~60 units); a second run changes nothing."""
    result = load_demo(runtime(), settings().lock_gateway_url)
    for line in result.updates:
        click.echo(line)
    if result.created:
        verb = "loaded:"
    elif result.updates:
        verb = f"updated ({len(result.updates)} changes):"
    else:
        verb = "already loaded, nothing changed:"
    click.echo(
        f"demo {verb} {result.companies} companies, {result.facilities} facilities, "
        f"{result.units} units, {result.transitions} transitions in the database"
    )


@demo.command("run")
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The running server (`make run`), with its demo token issuer on.",
)
@click.option(
    "--sms-sim",
    metavar="URL",
    default=None,
    help="The SMS simulator the server sends through: activation codes are read and redeemed.",
)
@click.option(
    "--lock-sim",
    metavar="URL",
    default=None,
    help="The keypad lock service simulator the server reconciles codes with.",
)
@click.option(
    "--pms-secret",
    metavar="SECRET",
    default=None,
    help="Sign PMS pushes with this webhook secret of the demo company (default: a new one,"
    " made through the API; the older ones keep verifying for 24 h).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per step instead.")
def run_command(
    url: str, sms_sim: str | None, lock_sim: str | None, pms_secret: str | None, as_json: bool
) -> None:
    """Play the seeds' stories against a running server over HTTP; exit 1 naming each step
    whose decisions differ from the story's."""
    client = DemoClient(url)
    emit = _emit_json if as_json else _TextReport().emit
    try:
        outcomes = play(
            client,
            STORIES,
            sms_sim=sms_sim,
            lock_sim=lock_sim,
            pms_secret=pms_secret,
            started=lambda site: _started(url, site, as_json),
            emit=emit,
        )
    except DemoError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
    finally:
        client.close()
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        click.echo(json.dumps({"ok": not failed, "failed": [_name(o) for o in failed]}))
    else:
        click.echo(
            f"demo run: {len(outcomes) - len(failed)} of {len(outcomes)} steps as expected"
            + (f"; failed: {', '.join(_name(o) for o in failed)}" if failed else "")
        )
    if failed:
        raise SystemExit(1)


def _started(url: str, site: DemoSite, as_json: bool) -> None:
    if not as_json:
        click.echo(f"demo run against {url}: facility {site.tag} ({site.facility_id})")


class _TextReport:
    """A story's title before its first step; a line per step; its checks indented."""

    def __init__(self) -> None:
        self.story: str | None = None

    def emit(self, outcome: StepOutcome) -> None:
        if outcome.story != self.story:
            self.story = outcome.story
            click.echo(f"-- {outcome.story} ({outcome.seeds})")
        mark = "ok  " if outcome.ok else "FAIL"
        note = f" ({outcome.note})" if outcome.note else ""
        click.echo(f"{mark} {outcome.story} / {outcome.step}: {outcome.does}{note}")
        if outcome.error is not None:
            click.echo(f"       error: {outcome.error}")
        for result in outcome.results:
            flag = {"ok": " ", "fail": "!", "skip": "-"}[result.status]
            click.echo(f"     {flag} {result.line}")


def _emit_json(outcome: StepOutcome) -> None:
    click.echo(json.dumps(outcome.as_json(), default=str))


def _name(outcome: StepOutcome) -> str:
    return f"{outcome.story} / {outcome.step}"
