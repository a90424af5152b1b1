"""The alert rules in force, reloaded from their file: a new file serves only if it is
valid; an invalid one is refused (once per content) and the old rules go on serving."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from engine.alerts._rules import AlertRules, read_alert_rules, read_rules_text
from engine.policy import PolicyError, PolicyRejected

__all__ = ["AlertRulesStore"]

_UNREADABLE = "unreadable"
"""The refused version of a file that could not be read."""


class AlertRulesStore:
    """Holds the current alert rules; `reload()` swaps in the file's new ones if valid.

    The shape of `PolicyStore`, so the policy's reloader polls it too.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        text = read_rules_text(path)
        self._current = read_alert_rules(text, str(path), version=_version(text))
        self._refused: tuple[str, PolicyRejected] | None = None

    @property
    def current(self) -> AlertRules:
        """The rules in force (a reference read: atomic)."""
        return self._current

    @property
    def refused(self) -> PolicyRejected | None:
        """Why the file as it is now was refused, while it stays so."""
        return self._refused[1] if self._refused else None

    def reload(self) -> bool:
        """Read the file again if it changed; True when new rules now serve.

        Raises `PolicyRejected` naming file, line and field (the old rules keep serving)
        when the file cannot be read or is invalid; the same refused content is skipped.
        """
        with self._lock:
            try:
                text = read_rules_text(self.path)
            except PolicyError as exc:
                return self._refuse(_UNREADABLE, exc)
            version = _version(text)
            if version == self._current.version:
                self._refused = None
                return False
            try:
                rules = read_alert_rules(text, str(self.path), version=version)
            except PolicyError as exc:
                return self._refuse(version, exc)
            self._current, self._refused = rules, None
            return True

    def record_failure(self, error: BaseException) -> PolicyRejected:
        """A reload failure nobody foresaw (a bug, not a bad file), as a refusal."""
        return PolicyRejected(
            f"reload failed: {type(error).__name__}: {error}",
            code="internal-error",
            help="the old alert rules keep serving; the service log has the traceback",
        )

    def _refuse(self, version: str, error: PolicyError) -> bool:
        if self._refused is not None and self._refused[0] == version:
            return False  # refused already: told once
        rejected = PolicyRejected.of("alert rules refused", error)
        self._refused = (version, rejected)
        raise rejected from error


def _version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
