"""Where the default policy and the invariants are: the source tree, or inside the wheel."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_invariants_path", "default_policy_path"]

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def _first(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[0]


def default_policy_path() -> Path:
    """`policy/` of the checkout, or the copy shipped in the wheel."""
    return _first(_CHECKOUT / "policy", _PACKAGE / "_shipped" / "policy")


def default_invariants_path() -> Path:
    """`specs/invariants.yaml` of the checkout, or the copy shipped in the wheel."""
    return _first(
        _CHECKOUT / "specs" / "invariants.yaml", _PACKAGE / "_shipped" / "invariants.yaml"
    )
