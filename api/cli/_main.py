"""The `unitgate` command group; each area adds its commands from its own module."""

from __future__ import annotations

import click

from api.cli._alerts import alerts
from api.cli._api import api
from api.cli._audit import audit
from api.cli._codes import codes
from api.cli._db import db
from api.cli._demo import demo
from api.cli._diagnose import diagnose
from api.cli._expire import expire
from api.cli._lifecycle import lifecycle
from api.cli._lock_sim import lock_sim
from api.cli._locks import locks
from api.cli._outbox import outbox
from api.cli._pms import pms
from api.cli._pms_sim import pms_sim
from api.cli._policy import policy
from api.cli._serve import serve
from api.cli._site import site
from api.cli._sms_sim import sms_sim
from api.cli._sync import sync


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """unitgate: access control and unit lifecycle for self-storage facilities."""


cli.add_command(alerts)
cli.add_command(api)
cli.add_command(audit)
cli.add_command(codes)
cli.add_command(db)
cli.add_command(demo)
cli.add_command(diagnose)
cli.add_command(expire)
cli.add_command(lifecycle)
cli.add_command(pms)
cli.add_command(locks)
cli.add_command(policy)
cli.add_command(serve)
cli.add_command(site)
cli.add_command(sync)
cli.add_command(pms_sim)
cli.add_command(outbox)
cli.add_command(sms_sim)
cli.add_command(lock_sim)


def main() -> None:
    """Console-script entry point."""
    cli()
