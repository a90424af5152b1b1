"""The registry of chains that must exist, so a chain deleted with its head is missed.

Each chain has a row (`audit_chain`: its ordinal, the hash of its entry #1, when it was
registered) with a code under the audit key, written in the transaction of its first
entry. The registry's head (`audit_registry`, one row) holds the count, authenticated:
the ordinals run 1..count, so a row removed leaves a gap or a count that disagrees, and
the count cannot be lowered without the key. Creating a chain locks the head (chains are
created rarely). Like chain heads, a registry head found tampered is never re-signed.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.persistence import table_of
from engine.persistence.tables import AuditChain, AuditRegistry

if TYPE_CHECKING:
    from engine.audit._chain import AuditLog

__all__ = [
    "Registry",
    "chain_mac",
    "is_registered",
    "lock_registry",
    "register_chain",
    "registry_mac",
]

REGISTRY_ID = 1
"""The registry head's primary key (there is one row)."""


@dataclass(frozen=True)
class Registry:
    """The registry's head as read, locked, in a transaction."""

    chains: int
    mac: str
    authentic: bool
    """Its code verifies: the next count gets a fresh code (else the one found stays)."""


def registry_mac(log: AuditLog, chains: int) -> str:
    """The code of a registry head counting `chains`."""
    return log.tagged_mac("registry", chains)


def chain_mac(
    log: AuditLog,
    ordinal: int,
    facility_id: str,
    first_hash: str,
    registered_at: datetime,
    sealed_seq: int | None,
) -> str:
    """The code of a registry row."""
    return log.tagged_mac("chain", ordinal, facility_id, first_hash, registered_at, sealed_seq)


def lock_registry(conn: Connection, log: AuditLog) -> Registry:
    """The registry's head, locked until the transaction ends (created when missing)."""
    row = conn.execute(_READ_HEAD).first()
    if row is None:
        registered = conn.execute(_MAX_ORDINAL).scalar_one()
        # A head missing while rows exist was deleted: the new one must not vouch for them.
        mac = registry_mac(log, 0) if registered == 0 else ""
        values = {"id": REGISTRY_ID, "chains": registered, "mac": mac}
        if conn.dialect.name == "postgresql":
            conn.execute(postgresql.insert(_registry).values(values).on_conflict_do_nothing())
        else:
            conn.execute(sqlite.insert(_registry).values(values).on_conflict_do_nothing())
        row = conn.execute(_READ_HEAD).first()
    # INVARIANT: the row exists now (inserted above, or by a transaction we waited for).
    assert row is not None
    chains, mac = row
    return Registry(chains, mac, hmac.compare_digest(registry_mac(log, chains), mac))


def is_registered(conn: Connection, facility_id: str) -> bool:
    """True when the facility's chain has a registry row."""
    return conn.execute(_IS_REGISTERED, {"fid": facility_id}).first() is not None


def register_chain(
    conn: Connection,
    log: AuditLog,
    registry: Registry,
    facility_id: str,
    first_hash: str,
    registered_at: datetime,
    sealed_seq: int | None = None,
) -> int:
    """Add the facility's chain to the registry (`registry` locked by `lock_registry` in
    this transaction); its ordinal."""
    ordinal: int = max(registry.chains, conn.execute(_MAX_ORDINAL).scalar_one()) + 1
    mac = chain_mac(log, ordinal, facility_id, first_hash, registered_at, sealed_seq)
    conn.execute(
        insert(_chains).values(
            facility_id=facility_id,
            ordinal=ordinal,
            first_hash=first_hash,
            registered_at=registered_at,
            sealed_seq=sealed_seq,
            mac=mac,
        )
    )
    head_mac = registry_mac(log, ordinal) if registry.authentic else registry.mac
    conn.execute(_UPDATE_HEAD, {"new_chains": ordinal, "new_mac": head_mac})
    return ordinal


_chains = table_of(AuditChain)
_registry = table_of(AuditRegistry)
_READ_HEAD = (
    select(_registry.c.chains, _registry.c.mac)
    .where(_registry.c.id == REGISTRY_ID)
    .with_for_update()
)
_MAX_ORDINAL = select(func.coalesce(func.max(_chains.c.ordinal), 0))
_IS_REGISTERED = select(_chains.c.ordinal).where(_chains.c.facility_id == bindparam("fid"))
_UPDATE_HEAD = (
    update(_registry)
    .where(_registry.c.id == REGISTRY_ID)
    .values(chains=bindparam("new_chains"), mac=bindparam("new_mac"))
)
