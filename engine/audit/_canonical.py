"""Canonical JSON: one byte string per value, so a hash commits to exactly one meaning."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

__all__ = ["canonical_json"]


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot put `{type(value).__name__}` into an audit entry")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text; datetimes as ISO 8601."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )
