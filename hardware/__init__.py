"""Locks over Bluetooth LE: a lock library that imports nothing else of unitgate.

Layers, each importable and testable alone (`specs/lock-protocol.md` is the contract):
- `hardware.protocol` — pure bytes and crypto: frames, the signed COMMAND, lock-signed
  replies, status and event log, offline keys, revocation lists, the lock's rules.
- `hardware.transport` — `BleakTransport` (bleak + bleak-retry-connector), `MemoryTransport`.
- `hardware.driver` — `LockDriver`: one operation at a time per lock, bounded, idempotent.
- `hardware.fleet` — inventory of locks and gateways, their keys, status and health.
- `hardware.sim` — the lock firmware simulator, link faults, a bumble GATT peripheral.
- `hardware.gateway` — a hub process on loopback HTTP, and the server's `GatewayClient`.

Entry points for the service (the engine's port is implemented over these):
- phone relay: `protocol.CommandIssuer(FacilityKey).issue(lock_id, action, challenge,
  not_before, not_after, command_id) -> bytes` answers an access request carrying the
  lock's challenge; the window is the policy decision's.
- remote unlock: `gateway.GatewayClient(url).remote_action(identity, command_id, issue)`
  → `ActionAttempt` (success with `confirmed_by_device` | lock_offline | gateway_down |
  timeout | refused, with the lock's code); `status(lock_id)` for health polling.
- offline keys: `protocol.OfflineKeyIssuer(FacilityKey, zone).issue(...)` (to the end of
  the facility's local day at most) and `protocol.RevocationIssuer.issue(version, ...)`,
  pushed with `GatewayClient.push_revocations`.
- offline logs: `GatewayClient.upload_log(identity, after)` or a phone's frames through
  `protocol.EventLogVerifier(identity).verify(frames, after=, nonce=)` → events numbered by
  the lock's counter (store by (lock, counter): each lands once).
- health: `fleet.Fleet.health(lock_id)` / `fleet.assess(status, tries, server_time)` →
  `LockHealth` (battery good/low/critical, connected/disconnected/flaky, tamper, jammed,
  drift, advice).
Time comes from an injected `hardware.clock.Clock` (engine's clocks fit it).
"""
