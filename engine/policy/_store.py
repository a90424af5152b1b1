"""The policy a running service decides with, replaced atomically on reload.

A new policy is loaded, validated and verified before it replaces the running one; an
invalid or unproven policy, or files that cannot be read, are refused with their reason and
the old one keeps serving. Whatever fails during a reload is recorded in `status`, so a
refusal is visible (`GET /v1/policy`, `/health`) and a later valid edit is still picked up.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from engine.clock import Clock
from engine.policy._compiler import CompiledPolicy
from engine.policy._errors import PolicyError, PolicyRejected
from engine.policy._files import policy_files
from engine.policy._loader import policy_version
from engine.policy._prepare import prepare_policy
from engine.policy._resolve import ParameterValue
from engine.policy._verifier import Invariant

__all__ = ["PolicyEvent", "PolicyStore", "ReloadStatus"]

_HISTORY_LIMIT = 100


@dataclass(frozen=True)
class PolicyEvent:
    """One load attempt: the version it produced (if any) and its outcome."""

    at: datetime
    outcome: Literal["loaded", "rejected"]
    version: str | None
    reason: str
    code: str | None = None
    """Why a rejection happened in one word (`PolicyRejected.code`); None for loads."""
    file: str | None = None
    """Base name of the file at fault, when one is."""
    help: str | None = None
    """What to do about a rejection."""


@dataclass(frozen=True)
class ReloadStatus:
    """The policy serving and how the files on disk relate to it: one value, replaced whole,
    so a reader never sees a new policy beside the refusal it cleared."""

    policy: CompiledPolicy
    """The policy deciding now."""
    loaded_at: datetime
    """When the serving policy was loaded."""
    checked_at: datetime
    """When the files were last read (at start, then at every reload): shows the poller lives."""
    refused: PolicyEvent | None
    """Why the files as they are now do not serve (recorded when first seen); None when
    they are the serving policy."""


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
        # The version of the refused files (None when they could not be read) and the event.
        self._refused: tuple[str | None, PolicyEvent] | None = None
        prepared = prepare_policy(
            policy_files(path), invariants, origin=str(path), parameters=self.parameters
        )
        event = self._record("loaded", prepared.policy.version, f"loaded from {path}")
        self._status = ReloadStatus(prepared.policy, event.at, event.at, None)

    @property
    def current(self) -> CompiledPolicy:
        """The policy deciding now (a reference read: atomic)."""
        return self._status.policy

    @property
    def history(self) -> tuple[PolicyEvent, ...]:
        """Load attempts in this process, oldest first (the last 100)."""
        return tuple(self._history)

    @property
    def status(self) -> ReloadStatus:
        """When the serving policy was loaded, the files last read, and a standing refusal."""
        return self._status

    def _record(
        self, outcome: Literal["loaded", "rejected"], version: str | None, reason: str
    ) -> PolicyEvent:
        event = PolicyEvent(self._clock.now(), outcome, version, reason)
        self._append(event)
        return event

    def _append(self, event: PolicyEvent) -> None:
        self._history.append(event)
        del self._history[:-_HISTORY_LIMIT]

    def _refuse(self, version: str | None, rejected: PolicyRejected) -> None:
        event = PolicyEvent(
            self._clock.now(),
            "rejected",
            None,
            str(rejected.message),
            rejected.code,
            rejected.file,
            rejected.help,
        )
        self._append(event)
        self._refused = (version, event)
        self._status = replace(self._status, refused=event)

    def record_failure(self, error: BaseException) -> PolicyRejected:
        """Record a reload failure nobody foresaw (a bug, not bad files) as a refusal."""
        rejected = _internal(error)
        with self._lock:
            self._refuse_once(None, rejected)
        return rejected

    def _refuse_once(self, version: str | None, rejected: PolicyRejected) -> bool:
        """Record `rejected` unless it is the refusal standing already; True if recorded."""
        if self._refused is not None:
            standing_version, standing = self._refused
            if standing_version == version and standing.reason == rejected.message:
                return False
        self._refuse(version, rejected)
        return True

    def reload(self, *, force: bool = False) -> bool:
        """Load the files again if they changed; True when a new policy now serves.

        Raises `PolicyRejected` (and keeps the current policy) when the files cannot be
        read, are invalid, or break an invariant; anything else raised while reloading is
        recorded and raised as a `PolicyRejected` with code `internal-error`. Unchanged
        files, or the very files (or read error) already refused, are skipped unless `force`.
        """
        try:
            with self._lock:
                return self._reload(force)
        except PolicyRejected:
            raise
        except Exception as exc:  # a bug outside the files' checks: still only a refusal
            raise self.record_failure(exc) from exc

    def _reload(self, force: bool) -> bool:
        self._status = replace(self._status, checked_at=self._clock.now())
        try:
            files = policy_files(self.path)
        except PolicyError as exc:
            rejected = PolicyRejected.of("cannot read policy", exc)
            if force:
                self._refuse(None, rejected)
            elif not self._refuse_once(None, rejected):
                return False  # the same files are still unreadable: refused already
            raise rejected from exc
        # The version is the content hash, so it tells unchanged files without parsing.
        version = policy_version(files, self.parameters)
        if not force and version == self.current.version:
            self._clear_refusal()
            return False
        if not force and self._refused is not None and version == self._refused[0]:
            return False
        try:
            prepared = prepare_policy(
                files, self.invariants, origin=str(self.path), parameters=self.parameters
            )
        except PolicyRejected as exc:
            self._refuse(version, exc)
            raise
        except Exception as exc:
            rejected = _internal(exc)
            self._refuse(version, rejected)
            raise rejected from exc
        changed = prepared.policy.version != self.current.version
        self._refused = None
        loaded_at = self._status.loaded_at
        if changed:
            event = self._record("loaded", prepared.policy.version, f"reloaded from {self.path}")
            loaded_at = event.at
        # INVARIANT: one assignment: the new policy, its load time and no refusal together.
        self._status = replace(
            self._status, policy=prepared.policy, loaded_at=loaded_at, refused=None
        )
        return changed

    def _clear_refusal(self) -> None:
        self._refused = None
        self._status = replace(self._status, refused=None)


def _internal(error: BaseException) -> PolicyRejected:
    return PolicyRejected(
        f"reload failed: {type(error).__name__}: {error}",
        code="internal-error",
        help="the old policy keeps serving; the service log has the traceback",
    )
