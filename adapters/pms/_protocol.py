"""What a PMS connector offers the sync: a facility's snapshot and its changes since a cursor."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from adapters.pms._records import PmsRecord

__all__ = [
    "ChangePage",
    "PmsConnector",
    "PmsError",
    "PmsUnavailable",
    "RecordPage",
    "Rejected",
    "read_records",
]


class PmsError(Exception):
    """The PMS could not be read."""


class PmsUnavailable(PmsError):
    """The PMS did not answer usefully after every retry (timeouts, 5xx, truncated pages)."""


@dataclass(frozen=True)
class Rejected:
    """Input that is not a valid record, with where it was and why."""

    where: str
    error: str
    payload: str


@dataclass(frozen=True)
class RecordPage:
    """Records read from one page (or file), and the entries that could not be read."""

    records: list[PmsRecord] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class ChangePage(RecordPage):
    """Changes after a cursor; `cursor` is where the next call starts."""

    cursor: str | None = None
    more: bool = False


class PmsConnector(Protocol):
    """A PMS the sync reads. Facilities are named by the PMS's id (`Facility.pms_ref`)."""

    def snapshot(self, facility_ref: str) -> Iterator[RecordPage]:
        """Every unit of the facility as the PMS holds it now, page by page."""
        ...

    def changes(self, facility_ref: str, cursor: str | None, limit: int) -> ChangePage:
        """Up to `limit` changes after `cursor` (None: from the beginning)."""
        ...


def read_records(items: Iterable[tuple[str, Any]]) -> RecordPage:
    """Validate raw records given with where each came from; bad ones are rejected, not lost."""
    page = RecordPage()
    for where, raw in items:
        try:
            if not isinstance(raw, Mapping):
                raise TypeError(f"expected an object, got `{type(raw).__name__}`")
            page.records.append(PmsRecord.model_validate(dict(raw)))
        except (ValidationError, TypeError) as exc:
            page.rejected.append(Rejected(where, _short(exc), _text(raw)))
    return page


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors()[:3]:
            loc = ".".join(str(p) for p in err["loc"])
            parts.append(f"`{loc}`: {err['msg'].lower()}" if loc else err["msg"].lower())
        return "; ".join(parts)[:500]
    return str(exc)[:500]


def _text(raw: Any) -> str:
    try:
        return json.dumps(raw, default=str)[:10_000]
    except (TypeError, ValueError):
        return repr(raw)[:10_000]
