"""A story of `unitgate demo run`: steps, each an action and what it expects after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.demo.run._checks import Expectation

if TYPE_CHECKING:
    from api.demo.run._run import Run

__all__ = ["Action", "Step", "Story"]

Action = Callable[["Run"], str | None]
"""What a step does over HTTP; answers a note to print after the step's title, or None."""


@dataclass(frozen=True)
class Step:
    """One step of a story: `action`, then every expectation looked at in order."""

    name: str
    """Short and unique within its story: named when it fails."""
    does: str
    """What happens, in the words of the seed."""
    action: Action
    expect: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class Story:
    """A seed's story on units of its own, played step by step in order."""

    name: str
    seeds: str
    units: tuple[str, ...]
    steps: tuple[Step, ...]
