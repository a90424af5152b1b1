"""Driving one lock: challenge → signed command → relay → ACCEPTED → COMPLETE.

`LockDriver(transport, identity)` runs one operation at a time per lock with bounded
timeouts and retries. A retried command keeps its command id, so a relay that lost the
lock's answer meets REPLAYED and reports the earlier success: never a second unlock.
Errors are typed: `LockRefused` (a code from the shared list), `LockUnreachable`,
`LockTimeout`, `LockReplyInvalid`.

Service-facing: `CommandSource` is what the server provides for a phone or gateway relay
(challenge → signed frame); `IssuerSource` signs in-process with a `CommandIssuer`.
"""

from hardware.driver._driver import CommandOutcome, DriverPolicy, LockDriver
from hardware.driver._errors import (
    LockError,
    LockRefused,
    LockReplyInvalid,
    LockTimeout,
    LockUnreachable,
)
from hardware.driver._source import DEFAULT_WINDOW, CommandSource, IssuerSource

__all__ = [
    "DEFAULT_WINDOW",
    "CommandOutcome",
    "CommandSource",
    "DriverPolicy",
    "IssuerSource",
    "LockDriver",
    "LockError",
    "LockRefused",
    "LockReplyInvalid",
    "LockTimeout",
    "LockUnreachable",
]
