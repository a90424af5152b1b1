"""Carrying out a lock's plan against the lock service: deletes first (they free space),
then updates, then creates; every call's outcome is kept, none stops the others."""

from __future__ import annotations

from dataclasses import dataclass

from engine.codes._plan import Create, Delete, LockPlan, Update
from engine.codes._port import AccessCode, CodeRejected, LockService, LockServiceDown

__all__ = ["Applied", "apply_plan"]


@dataclass(frozen=True, slots=True)
class Applied:
    """One call of a plan: done (with the code as the service returned it), refused (with
    the service's reason) or not done (the service or device was down)."""

    op: Create | Update | Delete
    code: AccessCode | None = None
    refused: str | None = None
    down: str | None = None

    @property
    def ok(self) -> bool:
        """The call went through."""
        return self.refused is None and self.down is None


def _call(service: LockService, device_id: str, op: Create | Update | Delete) -> Applied:
    try:
        if isinstance(op, Create):
            made = service.create_code(device_id, op.code, op.name, op.starts_at, op.ends_at)
            return Applied(op, made)
        if isinstance(op, Update):
            changed = service.update_code(
                op.access_code_id, op.code, op.name, op.starts_at, op.ends_at
            )
            return Applied(op, changed)
        service.delete_code(op.access_code_id)
        return Applied(op)
    except CodeRejected as exc:
        return Applied(op, refused=exc.reason)
    except LockServiceDown as exc:
        return Applied(op, down=exc.kind)


def apply_plan(service: LockService, device_id: str, plan: LockPlan) -> list[Applied]:
    """Every call of `plan` on the device, in order; a create is skipped (as `no_space`)
    when a delete before it did not free its place."""
    first: list[Create | Update | Delete] = [*plan.deletes, *plan.updates]
    out = [_call(service, device_id, op) for op in first]
    undeleted = sum(1 for a in out if isinstance(a.op, Delete) and not a.ok)
    skip = max(0, undeleted - plan.spare)
    for i, op in enumerate(plan.creates):
        if i >= len(plan.creates) - skip:
            out.append(Applied(op, refused="no_space_on_device"))
        else:
            out.append(_call(service, device_id, op))
    return out
