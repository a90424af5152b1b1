"""Rows bound to the entries that record them: what a feed reads is what the log says."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table

__all__ = ["EntryRow", "RowBinding"]


class EntryRow(Protocol):
    """An `audit_entry` row as verification reads it (a Core row: no ORM objects)."""

    @property
    def id(self) -> int: ...
    @property
    def facility_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def payload(self) -> str: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def mac(self) -> str: ...


@dataclass(frozen=True)
class RowBinding:
    """The rows of `table` record entries of `kind`, one each.

    A row holds its entry's `seq` in `audit_seq` (with `facility_id`, unique), and
    `expected` gives, from the entry and its parsed payload, the columns the row must
    have. Verification reports a row that differs, an entry of `kind` without its row,
    and a row without its entry.
    """

    kind: str
    table: Table
    expected: Callable[[EntryRow, dict[str, Any]], dict[str, Any]]

    def difference(self, entry: EntryRow, row: Mapping[str, Any]) -> str | None:
        """What in `row` disagrees with `entry`, or None."""
        for column, value in self.expected(entry, json.loads(entry.payload)).items():
            if row[column] != value:
                return (
                    f"its {self.table.name} row {row['id']} differs from it: `{column}` is "
                    f"`{_shown(row[column])}` in the row, `{_shown(value)}` in the entry"
                )
        return None


def _shown(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
