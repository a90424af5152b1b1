"""Shared CLI plumbing: settings, runtime and error reporting."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click
from sqlalchemy.engine import make_url

from api.app import build_runtime
from api.settings import Settings, load_settings
from engine.errors import UnitgateError
from engine.policy import PolicyError
from engine.runtime import Runtime

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    """The process settings, or exit 2 naming the bad variable."""
    try:
        return load_settings()
    except UnitgateError as exc:
        raise click.ClickException(str(exc)) from exc


def runtime() -> Runtime:
    """Engine services for the configured database."""
    return build_runtime(settings())


def redacted(url: str) -> str:
    """The database URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn unitgate errors into a message and exit code 2.

    Policy errors print every issue with its file, line, column and help; others one line.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except PolicyError as exc:
            click.echo(exc.render(), err=True)
            raise SystemExit(2) from exc
        except UnitgateError as exc:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(2) from exc

    return wrapper
