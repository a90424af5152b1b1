"""The pure checker: does a code, or a code's name, fit a lock model and the lock's codes?"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from engine.codes._rules import CodeModel

__all__ = ["GSM7_BASIC", "Violation", "check_code", "check_name", "code_fits"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 basic character set (what every keypad vendor's app displays)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule a code or name breaks: its id (`code_constraints_violated` detail) and why."""

    rule: str
    message: str


def _runs(code: str) -> bool:
    steps = {int(b) - int(a) for a, b in itertools.pairwise(code)}
    return len(code) > 1 and steps in ({1}, {-1})


def check_code(code: str, model: CodeModel, others: Iterable[str] = ()) -> list[Violation]:
    """Every rule of `model` that `code` breaks; `others`: the other codes on the lock (the
    unique-prefix rule; an equal code is a collision, not a rule)."""
    out: list[Violation] = []
    if len(code) not in model.lengths:
        out.append(Violation("length", f"`{len(code)}` digits; the lock takes {model.lengths}"))
    bad = sorted(set(code) - set(model.digits))
    if bad:
        out.append(Violation("digits", f"digit `{bad[0]}` is not allowed"))
    for prefix in model.forbidden_prefixes:
        if code.startswith(prefix):
            out.append(Violation("forbidden_prefix", f"codes may not start with `{prefix}`"))
    if model.no_all_same and len(set(code)) == 1:
        out.append(Violation("all_same", "every digit is the same"))
    if model.no_triple_repeat and any(
        code[i] == code[i + 1] == code[i + 2] for i in range(len(code) - 2)
    ):
        out.append(Violation("triple_repeat", "a digit three times in a row"))
    if model.min_distinct is not None and len(set(code)) < model.min_distinct:
        out.append(Violation("min_distinct", f"fewer than {model.min_distinct} distinct digits"))
    if model.no_sequence and _runs(code):
        out.append(Violation("sequence", "an ascending or descending run"))
    if model.unique_prefix is not None:
        n = model.unique_prefix
        if any(o != code and o[:n] == code[:n] for o in others):
            out.append(Violation("unique_prefix", f"another code starts with `{code[:n]}`"))
    return out


def code_fits(code: str, models: Iterable[CodeModel], others: Iterable[str] = ()) -> bool:
    """`code` breaks no rule of any of `models` (and is not one of `others`)."""
    taken = list(others)
    return code not in taken and all(not check_code(code, m, taken) for m in models)


def check_name(name: str, model: CodeModel, others: Iterable[str] = ()) -> list[Violation]:
    """Every rule of `model` that the name breaks; `others`: the other codes' names on the lock."""
    out: list[Violation] = []
    if not name.strip():
        out.append(Violation("name_empty", "the name is empty"))
    if len(name) > model.name_max:
        out.append(Violation("name_length", f"longer than {model.name_max} characters"))
    outside = sorted(
        {c for c in name if c in model.name_forbidden}
        | ({c for c in name if c not in GSM7_BASIC} if model.name_charset == "gsm7" else set())
    )
    if outside:
        out.append(Violation("name_charset", f"character `{outside[0]}` is not allowed"))
    if model.name_unique and name.casefold() in {o.casefold() for o in others}:
        out.append(Violation("name_unique", f"another code is named `{name}`"))
    return out
