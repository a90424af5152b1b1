"""The one rule for times the API takes: RFC 3339 with an offset, bounded, kept in UTC.

A time without an offset is ambiguous (whose midnight?) and compared with the service's
aware clock it was a 500; a bare date the same; a year-9999 time west of UTC overflowed
when converted. Every time field of a request body uses `ApiTime` or `OptionalApiTime`.
Times the API answers with are unchanged (always UTC, with `Z`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

__all__ = ["EARLIEST", "LATEST", "TIME_PATTERN", "ApiTime", "OptionalApiTime"]

EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""The earliest time the API takes."""
LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)
"""The first time the API no longer takes (times are before it)."""
TIME_PATTERN: Final = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
"""RFC 3339 `date-time`: a date, a time with seconds, and an offset or `Z` (ASCII digits)."""

_TIME = re.compile(TIME_PATTERN)
# A date, or a date and time, with no offset: the inputs that need the offset explained.
_NAIVE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$")
_EXAMPLE = "`2030-01-01T00:00:00Z` or `2030-01-01T02:00:00+02:00`"
_RULE = (
    "An RFC 3339 date-time with an offset (`Z` or `+HH:MM`/`-HH:MM`; a time without one, "
    "or a bare date, is refused), from 2000-01-01T00:00:00Z up to but not including "
    "2100-01-01T00:00:00Z. Taken and answered in UTC."
)


def _offset_text(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value  # None for optional fields; a datetime only from Python callers
    if not isinstance(value, str):
        raise PydanticCustomError(
            "time_text", "must be a date-time text with an offset, e.g. {example}", _ex()
        )
    if _TIME.match(value):
        return value
    if _NAIVE.match(value):
        raise PydanticCustomError(
            "time_offset",
            "needs an offset or `Z`: a time without one is ambiguous, e.g. {example}",
            _ex(),
        )
    raise PydanticCustomError(
        "time_format", "must be an RFC 3339 date-time with an offset, e.g. {example}", _ex()
    )


def _bounded_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("time_offset", "needs an offset or `Z`, e.g. {example}", _ex())
    # Compared before converting: converting a time near year 1 or 9999 can overflow.
    if not EARLIEST <= value < LATEST:
        raise PydanticCustomError(
            "time_range",
            "must be from 2000-01-01T00:00:00Z up to but not including 2100-01-01T00:00:00Z",
        )
    return value.astimezone(UTC)


def _ex() -> dict[str, str]:
    return {"example": _EXAMPLE}


_SCHEMA = Field(description=_RULE, json_schema_extra={"pattern": TIME_PATTERN})

ApiTime = Annotated[datetime, BeforeValidator(_offset_text), AfterValidator(_bounded_utc), _SCHEMA]
"""A time a request gives: aware (offset or `Z`), 2000 ≤ year < 2100, normalised to UTC."""

OptionalApiTime = Annotated[
    datetime | None, BeforeValidator(_offset_text), AfterValidator(_bounded_utc), _SCHEMA
]
"""`ApiTime` or null (written out: Litestar drops the rule's schema from `ApiTime | None`)."""
