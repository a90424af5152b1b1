"""The diagnosis as an HTML page for the office: server-rendered (Jinja2, autoescaped), one
inline stylesheet, no script and nothing fetched from anywhere else."""

from __future__ import annotations

import json
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from api.schemas import DiagnosisOut

__all__ = ["render_diagnosis"]


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["evidence"] = _evidence
    return env


def _evidence(value: object) -> str:
    """An evidence value as text: strings as they are, nothing as a dash, the rest as JSON."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def render_diagnosis(diagnosis: DiagnosisOut) -> str:
    """The page for `diagnosis`."""
    return _environment().get_template("diagnosis.html").render(d=diagnosis)
