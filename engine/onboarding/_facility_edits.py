"""Creating and editing facilities: key, name, time zone, country, access hours, PMS link,
the tenant notifications it does not send."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from sqlmodel import select

from engine.domain import check_country, check_timezone
from engine.errors import InvalidInputError, RefusedError
from engine.notify import ALWAYS_SENT, MessageKind
from engine.onboarding._context import EditContext, shown
from engine.persistence.tables import Facility
from engine.sites import create_facility

__all__ = [
    "FACILITY_FIELDS",
    "KEY_PATTERN",
    "OPTIONAL_NOTIFICATIONS",
    "add_facility",
    "edit_facility",
    "facility_label",
]

KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
"""Facility keys: lowercase letters, digits and dashes (`riverside`, `bolt-downtown`)."""
FACILITY_FIELDS = (
    "key",
    "name",
    "timezone",
    "country",
    "access_opens",
    "access_closes",
    "pms_ref",
    "notifications_off",
    "codes_health_check_at",
)
"""What `edit_facility` changes."""
OPTIONAL_NOTIFICATIONS = tuple(k.value for k in MessageKind if k not in ALWAYS_SENT)
"""Tenant notifications a facility may turn off (an activation, a backup code and the
operator's alarms always go)."""


def facility_label(facility: Facility) -> str:
    """How change lines name a facility: its key, else its name."""
    return facility.key or facility.name


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """`values` if each is valid for its facility field, else `InvalidInputError`."""
    unknown = set(values) - set(FACILITY_FIELDS)
    if unknown:
        raise InvalidInputError(f"unknown facility field `{sorted(unknown)[0]}`")
    key = values.get("key")
    if key is not None and not re.match(KEY_PATTERN, key):
        raise InvalidInputError(
            f"facility key `{key}` is not a short name",
            help="lowercase letters, digits and dashes, e.g. `riverside`",
        )
    if "name" in values and not values["name"]:
        raise InvalidInputError("a facility needs a `name`")
    try:
        if "timezone" in values:
            check_timezone(values["timezone"])
        if values.get("country") is not None:
            check_country(values["country"])
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    for hours in ("access_opens", "access_closes", "codes_health_check_at"):
        if hours in values and not isinstance(values[hours], time):
            raise InvalidInputError(f"`{hours}` must be a time of day")
    if "notifications_off" in values:
        off = values["notifications_off"]
        bad = [k for k in off or () if k not in OPTIONAL_NOTIFICATIONS]
        if off is None or bad:
            raise InvalidInputError(
                f"`{bad[0] if bad else None}` is not a notification a facility can turn off",
                help=f"one of {', '.join(OPTIONAL_NOTIFICATIONS)}",
            )
        values["notifications_off"] = sorted(set(off))
    return values


def _refuse_taken(
    ctx: EditContext, company_id: str, values: dict[str, Any], own: str | None
) -> None:
    for column in ("key", "pms_ref"):
        value = values.get(column)
        if value is None:
            continue
        taken = ctx.session.exec(
            select(Facility.id).where(
                Facility.company_id == company_id, getattr(Facility, column) == value
            )
        ).first()
        if taken is not None and taken != own:
            raise RefusedError(f"another facility of the company has {column} `{value}`")


def add_facility(
    ctx: EditContext,
    company_id: str,
    *,
    key: str,
    name: str,
    timezone: str,
    country: str,
    opens: time,
    closes: time,
    pms_ref: str | None = None,
) -> Facility:
    """A new facility of the company, audited as the first entry of its own chain."""
    values = _checked(
        {
            "key": key,
            "name": name,
            "timezone": timezone,
            "country": country,
            "access_opens": opens,
            "access_closes": closes,
            "pms_ref": pms_ref,
        }
    )
    _refuse_taken(ctx, company_id, values, None)
    with ctx.guarded(f"facility `{key}`"):
        facility = create_facility(
            ctx.session,
            company_id,
            name,
            ctx.now,
            key=key,
            timezone=timezone,
            country=country,
            opens=opens,
            closes=closes,
            pms_ref=pms_ref,
        )
    ctx.record(
        [facility.id],
        "facility_created",
        facility.id,
        f"+ facility {key}",
        {"facility_id": facility.id, **_plain(values)},
    )
    return facility


def edit_facility(ctx: EditContext, facility: Facility, values: dict[str, Any]) -> Facility:
    """Set the given fields of `facility` (others unchanged); nothing is recorded when every
    value is already the stored one."""
    _checked(values)
    diff = {k: v for k, v in values.items() if getattr(facility, k) != v}
    if not diff:
        return facility
    if "key" in diff and diff["key"] is None:
        raise InvalidInputError("a facility's `key` cannot be removed")
    _refuse_taken(ctx, facility.company_id, diff, facility.id)
    before = {k: getattr(facility, k) for k in diff}
    label = facility_label(facility)
    for k, v in diff.items():
        setattr(facility, k, v)
    ctx.session.add(facility)
    ctx.flush(f"facility `{label}`")
    what = ", ".join(
        f"{_name(k)} {shown(_plain_one(before[k]))} -> {shown(_plain_one(v))}"
        for k, v in diff.items()
    )
    ctx.record(
        [facility.id],
        "facility_changed",
        facility.id,
        f"~ facility {label}: {what}",
        {"facility_id": facility.id, "before": _plain(before), "after": _plain(diff)},
    )
    return facility


def _name(field: str) -> str:
    return {"access_opens": "opens", "access_closes": "closes"}.get(field, field)


def _plain_one(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(value) or "none"
    return value.strftime("%H:%M") if isinstance(value, time) else value


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain_one(v) for k, v in values.items()}
