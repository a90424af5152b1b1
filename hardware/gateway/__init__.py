"""The gateway (hub): a process holding links to its locks, reached over loopback HTTP.

Remote actions follow Seam's shape: `POST /v1/locks/{id}/challenge` (the lock's fresh
challenge) → the server signs → `POST /v1/actions` → `GET /v1/actions/{id}` pending →
success | error, with `confirmed_by_device` and the lock-signed proof. Status polling
(`GET /v1/locks/{id}/status`, health with advice), revocation lists and log uploads too.

Service-facing: `GatewayClient(url).remote_action(identity, command_id, issue)` returns an
`ActionAttempt` for every outcome (success, lock_offline, gateway_down, timeout, refused).
`hardware.gateway.simulated` builds a gateway over simulated locks (needs bumble).
"""

from hardware.gateway._actions import ActionOutcome, ActionRecord, Actions, ActionStatus
from hardware.gateway._app import gateway_app
from hardware.gateway._client import ActionAttempt, GatewayClient, GatewayError
from hardware.gateway._gateway import Gateway, UnknownLock

__all__ = [
    "ActionAttempt",
    "ActionOutcome",
    "ActionRecord",
    "ActionStatus",
    "Actions",
    "Gateway",
    "GatewayClient",
    "GatewayError",
    "UnknownLock",
    "gateway_app",
]
