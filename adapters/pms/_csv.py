"""The CSV export connector: a file with one record per row, in the JSON API's field names.

PMS systems export either the current rent roll (one row per unit) or an activity log
(one row per change). Both read the same way: the snapshot keeps each unit's newest row;
changes after a cursor are the rows after that line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from adapters.pms._protocol import ChangePage, PmsError, RecordPage, Rejected, read_records
from adapters.pms._records import PmsRecord

__all__ = ["CsvExportConnector"]

_REQUIRED = ("unit_ref", "seq", "status")


@dataclass(frozen=True)
class CsvExportConnector:
    """Reads PMS records from CSV exports in `folder`, one file per facility (`<ref>.csv`)."""

    folder: Path

    def _read(self, facility_ref: str) -> list[tuple[int, RecordPage]]:
        path = self.folder / f"{facility_ref}.csv"
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise PmsError(f"{path}: cannot read ({exc})") from None
        reader = csv.DictReader(text.splitlines())
        missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise PmsError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
        rows: list[tuple[int, RecordPage]] = []
        for row in reader:
            line = reader.line_num
            where = f"{path.name} line {line}"
            if None in row:  # more cells than the header names
                bad = Rejected(where, "more cells than the header has columns", str(row))
                rows.append((line, RecordPage([], [bad])))
                continue
            cleaned = {k: v for k, v in row.items() if v not in (None, "")}
            rows.append((line, read_records([(where, cleaned)])))
        return rows

    def snapshot(self, facility_ref: str) -> Iterator[RecordPage]:
        """Each unit's newest row (highest `seq`), and every row that could not be read."""
        newest: dict[str, PmsRecord] = {}
        rejected: list[Rejected] = []
        for _line, page in self._read(facility_ref):
            rejected.extend(page.rejected)
            for r in page.records:
                held = newest.get(r.unit_ref)
                if held is None or r.seq > held.seq:
                    newest[r.unit_ref] = r
        yield RecordPage(list(newest.values()), rejected)

    def changes(self, facility_ref: str, cursor: str | None, limit: int) -> ChangePage:
        """Up to `limit` rows after line `cursor` (a line number of the file)."""
        after = int(cursor) if cursor else 0
        rows = [(line, page) for line, page in self._read(facility_ref) if line > after]
        taken = rows[:limit]
        records = [r for _, p in taken for r in p.records]
        rejected = [x for _, p in taken for x in p.rejected]
        last = str(taken[-1][0]) if taken else cursor
        return ChangePage(records, rejected, last, len(rows) > limit)
