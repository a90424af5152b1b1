"""The policy a running service decides with, replaced atomically on reload.

A new policy is loaded, validated and verified before it replaces the running one; an
invalid or unproven policy is refused with its reason and the old one keeps serving.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from engine.clock import Clock
from engine.errors import UnitgateError
from engine.policy._compiler import CompiledPolicy
from engine.policy._errors import PolicyRejected
from engine.policy._files import policy_files
from engine.policy._loader import policy_version
from engine.policy._prepare import prepare_policy
from engine.policy._resolve import ParameterValue
from engine.policy._verifier import Invariant

__all__ = ["PolicyEvent", "PolicyStore"]

_HISTORY_LIMIT = 100


@dataclass(frozen=True)
class PolicyEvent:
    """One load attempt: the version it produced (if any) and its outcome."""

    at: datetime
    outcome: Literal["loaded", "rejected"]
    version: str | None
    reason: str


class PolicyStore:
    """Holds the current compiled policy; `reload()` swaps in a new one only if it is proven."""

    def __init__(
        self,
        path: Path,
        invariants: tuple[Invariant, ...],
        clock: Clock,
        *,
        parameters: Mapping[str, ParameterValue] | None = None,
    ) -> None:
        self.path = path
        self.invariants = invariants
        self.parameters = dict(parameters or {})
        self._clock = clock
        self._lock = threading.Lock()
        self._history: list[PolicyEvent] = []
        self._rejected_version: str | None = None
        prepared = prepare_policy(
            policy_files(path), invariants, origin=str(path), parameters=self.parameters
        )
        self._current = prepared.policy
        self._record("loaded", prepared.policy.version, f"loaded from {path}")

    @property
    def current(self) -> CompiledPolicy:
        """The policy deciding now (a reference read: atomic)."""
        return self._current

    @property
    def history(self) -> tuple[PolicyEvent, ...]:
        """Load attempts in this process, oldest first (the last 100)."""
        return tuple(self._history)

    def _record(
        self, outcome: Literal["loaded", "rejected"], version: str | None, reason: str
    ) -> None:
        self._history.append(PolicyEvent(self._clock.now(), outcome, version, reason))
        del self._history[:-_HISTORY_LIMIT]

    def reload(self, *, force: bool = False) -> bool:
        """Load the files again if they changed; True when a new policy now serves.

        Raises `PolicyRejected` (and keeps the current policy) when the new files are
        invalid or break an invariant. Unchanged files, or files already rejected, are
        skipped unless `force`.
        """
        with self._lock:
            try:
                files = policy_files(self.path)
            except UnitgateError as exc:
                self._record("rejected", None, str(exc))
                raise PolicyRejected(f"cannot read policy: {exc.message}", help=exc.help) from exc
            # The version is the content hash, so it tells unchanged files without parsing.
            version = policy_version(files, self.parameters)
            if not force and version in (self._current.version, self._rejected_version):
                return False
            try:
                prepared = prepare_policy(
                    files, self.invariants, origin=str(self.path), parameters=self.parameters
                )
            except UnitgateError as exc:
                self._rejected_version = version
                self._record("rejected", None, str(exc))
                raise
            changed = prepared.policy.version != self._current.version
            self._current = prepared.policy
            self._rejected_version = None
            if changed:
                self._record("loaded", prepared.policy.version, f"reloaded from {self.path}")
            return changed
