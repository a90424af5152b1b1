"""Choosing a person's code: the last digits of their phone (a setting), else at random;
one number that fits every lock model the person's code goes on (seed 003)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from engine.codes._check import code_fits
from engine.codes._rules import CodeModel
from engine.errors import RefusedError

__all__ = ["NoCodeFits", "choose_code", "common_length"]

_TRIES = 2000


class NoCodeFits(RefusedError):
    """No number fits every lock the code must go on (e.g. no common length)."""


def common_length(models: Sequence[CodeModel]) -> int:
    """The code length every model takes: the models' default when they agree, else the
    longest common one (`NoCodeFits` when there is none)."""
    common = set(models[0].lengths).intersection(*(m.lengths for m in models[1:]))
    if not common:
        names = ", ".join(sorted({m.name for m in models}))
        raise NoCodeFits(f"no code length fits every lock model ({names})")
    defaults = {m.default_length for m in models}
    if len(defaults) == 1 and next(iter(defaults)) in common:
        return next(iter(defaults))
    return max(common)


def choose_code(
    models: Sequence[CodeModel],
    taken: Iterable[str],
    rng: random.Random,
    *,
    phone: str | None = None,
    avoid: Iterable[str] = (),
) -> tuple[str, str]:
    """A code fitting every model and none of `taken` (the other codes on those locks) or
    `avoid` (numbers that collided before): `(code, "phone")` from the phone's last digits
    when given and they fit, else `(code, "random")`."""
    length = common_length(models)
    others = list(taken)
    banned = set(others) | set(avoid)
    digits = "".join(sorted(set(models[0].digits).intersection(*(m.digits for m in models[1:]))))
    if phone:
        tail = "".join(c for c in phone if c.isdigit())[-length:]
        if len(tail) == length and tail not in banned and code_fits(tail, models, others):
            return tail, "phone"
    if not digits:
        raise NoCodeFits("no digit is allowed by every lock model")
    for _ in range(_TRIES):
        code = "".join(rng.choice(digits) for _ in range(length))
        if code not in banned and code_fits(code, models, others):
            return code, "random"
    raise NoCodeFits(f"no free {length}-digit code fits these locks")
