"""Checking the log: each facility's chain, its head, the registry of chains, bound rows.

Per chain, the first problem is named: an edited, missing, reordered or forged entry; a
row (decision, transition) that disagrees with its entry, an entry without its row; a head
that disagrees with the chain's end or whose code is wrong; a chain missing from the
registry, or a registered chain that is gone. Entries and rows stream in batches, so
memory stays bounded however long the log; given a checkpoint, each chain must still hold
the entry it recorded.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import bindparam, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from engine.audit._binding import EntryRow, RowBinding
from engine.audit._chain import GENESIS_HASH, AuditLog, entry_hash
from engine.audit._checkpoint import Checkpoint, CheckpointChain
from engine.audit._registry import REGISTRY_ID, chain_mac, registry_mac
from engine.persistence import table_of
from engine.persistence.tables import AuditChain, AuditEntry, AuditHead, AuditRegistry

__all__ = [
    "ChainProblem",
    "ChainWalk",
    "VerifyReport",
    "registry_problems",
    "verify_chain",
    "walk_chain",
]


@dataclass(frozen=True)
class ChainProblem:
    """The first problem of one facility's chain, or of the registry (`facility_id` None)."""

    facility_id: str | None
    seq: int
    """Where the chain breaks (for a missing entry: the sequence number expected there);
    for the registry, the ordinal."""
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        if self.facility_id is None:
            return f"chain registry: {self.problem}"
        row = f" (row {self.entry_id})" if self.entry_id is not None else ""
        return f"facility `{self.facility_id}`: entry #{self.seq}{row}: {self.problem}"


@dataclass
class VerifyReport:
    """What `verify_chain` found: how much it checked and the first problem of each chain."""

    entries: int = 0
    facilities: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chain verified."""
        return not self.problems


@dataclass(frozen=True)
class ChainWalk:
    """Where a chain's entries end, and the first problem on the way."""

    last: int
    last_hash: str
    first_hash: str | None
    problem: ChainProblem | None


def verify_chain(
    session: Session,
    log: AuditLog,
    facility_id: str | None = None,
    batch: int = 5000,
    against: Checkpoint | None = None,
) -> VerifyReport:
    """Verify every facility's chain (or one), the registry, and the rows bound to entries;
    with `against`, also that the log only grew since that checkpoint."""
    heads_query = select(AuditHead)
    chains_query = select(AuditChain)
    facilities_query = select(AuditEntry.facility_id).distinct()
    if facility_id is not None:
        heads_query = heads_query.where(AuditHead.facility_id == facility_id)
        chains_query = chains_query.where(AuditChain.facility_id == facility_id)
        facilities_query = facilities_query.where(AuditEntry.facility_id == facility_id)
    heads = {h.facility_id: h for h in session.exec(heads_query)}
    registered = {c.facility_id: c for c in session.exec(chains_query)}
    report = VerifyReport()
    report.problems.extend(registry_problems(session, log, against, detailed=facility_id is None))
    since = f"the checkpoint of {against.at.isoformat()}" if against is not None else ""
    recorded = {c.facility_id: c for c in against.chains} if against is not None else {}
    for fid in sorted(heads):
        report.facilities += 1
        expect = recorded.get(fid)
        problem = _verify_one(
            session, log, heads[fid], registered.get(fid), expect, since, report, batch
        )
        if problem is not None:
            report.problems.append(problem)
    for fid in sorted(set(registered) - set(heads)):
        when = registered[fid].registered_at.isoformat()
        report.problems.append(
            ChainProblem(
                fid, 1, None, f"the chain registered at {when} has no head: it was deleted"
            )
        )
    headless = set(session.exec(facilities_query).all()) - set(heads) - set(registered)
    for fid in sorted(headless):
        report.problems.append(ChainProblem(fid, 1, None, "entries exist without a chain head"))
    if against is not None:
        present = set(heads) | set(registered) | headless
        for chain in recorded.values():
            if chain.facility_id not in present and facility_id in (None, chain.facility_id):
                report.problems.append(
                    ChainProblem(
                        chain.facility_id,
                        chain.seq,
                        None,
                        f"{since} recorded the chain at #{chain.seq}; it is gone, "
                        "with its head and registry row",
                    )
                )
    report.problems.extend(_rows_without_chain(session, log, facility_id, set(heads)))
    return report


def walk_chain(
    session: Session,
    log: AuditLog,
    facility_id: str,
    report: VerifyReport,
    batch: int = 5000,
    bindings: tuple[RowBinding, ...] = (),
    expect: CheckpointChain | None = None,
    since: str = "",
) -> ChainWalk:
    """Check the facility's entries in sequence order (and the rows `bindings` bind to
    them; with `expect`, its entry #seq), a batch at a time."""
    fid = facility_id
    expected, prev, first = 1, GENESIS_HASH, None
    conn = session.connection()
    while True:
        params = {"fid": fid, "from": expected, "n": batch}
        entries = cast(Sequence[EntryRow], conn.execute(_ENTRIES, params).all())
        if not entries:
            break
        low, high = entries[0].seq, entries[-1].seq
        bound = [(b, _bound_rows(conn, b, fid, low, high)) for b in bindings]
        for entry in entries:
            report.entries += 1
            problem = _check_entry(log, entry, expected, prev)
            if problem is None and _differs(entry, expect):
                problem = f"it is not the entry {since} recorded: the chain was rewritten"
            if problem is None:
                problem = _check_rows(entry, bound)
            if problem is not None:
                found = ChainProblem(fid, expected, entry.id, problem)
                return ChainWalk(expected - 1, prev, first, found)
            first = first or entry.hash
            expected, prev = entry.seq + 1, entry.hash
    return ChainWalk(expected - 1, prev, first, None)


def _verify_one(
    session: Session,
    log: AuditLog,
    head: AuditHead,
    registered: AuditChain | None,
    expect: CheckpointChain | None,
    since: str,
    report: VerifyReport,
    batch: int,
) -> ChainProblem | None:
    fid = head.facility_id
    walk = walk_chain(session, log, fid, report, batch, log.bindings, expect, since)
    if walk.problem is not None:
        return walk.problem
    last = walk.last
    if head.seq != last or head.hash != walk.last_hash:
        return ChainProblem(
            fid,
            min(head.seq, last) + 1,
            None,
            f"the chain ends at #{last} but its head records #{head.seq}: "
            "entries were removed or added outside the log",
        )
    if registered is not None and walk.first_hash != registered.first_hash:
        return ChainProblem(
            fid,
            1,
            None,
            "it is not the entry the chain was registered with: "
            "the chain was deleted and started again",
        )
    if expect is not None and last < expect.seq:
        return ChainProblem(
            fid,
            last + 1,
            None,
            f"the chain ends at #{last} but {since} recorded #{expect.seq}: "
            "entries were removed since (or the log was rolled back)",
        )
    head_problem = _head_problem(log, head, registered)
    if head_problem is not None:
        return ChainProblem(fid, head.seq, None, head_problem)
    return _row_without_entry(session, log, fid, last)


def _head_problem(log: AuditLog, head: AuditHead, registered: AuditChain | None) -> str | None:
    if registered is None:
        if head.mac is None:
            return (
                "the chain is not sealed (written before chains were registered, or its "
                "registry row removed): run `unitgate db upgrade`"
            )
        return "the chain is not in the registry: its registry row was removed"
    if head.mac is None:
        return "its head has no authentication code: it was removed"
    if not log.head_is_authentic(head.facility_id, head.seq, head.hash, head.mac):
        return (
            "its head's authentication code is wrong: the head was rewritten without the "
            "audit key (entries after it may have been removed)"
        )
    row_mac = chain_mac(
        log,
        registered.ordinal,
        registered.facility_id,
        registered.first_hash,
        registered.registered_at,
        registered.sealed_seq,
    )
    if not hmac.compare_digest(row_mac, registered.mac):
        return "its registry row was changed without the audit key"
    return None


def _check_entry(log: AuditLog, e: EntryRow, expected: int, prev: str) -> str | None:
    if e.seq != expected:
        return f"entry #{expected} is missing (the next one is #{e.seq})"
    if e.prev_hash != prev:
        return "it does not follow the entry before it (reordered or replaced)"
    digest = entry_hash(
        e.prev_hash, e.facility_id, e.seq, e.at, e.kind, e.actor, e.subject, e.payload
    )
    if digest != e.hash:
        return "its content was edited after it was written"
    if not hmac.compare_digest(log.mac(e.hash), e.mac):
        return "its authentication code is wrong: it was written without the audit key"
    return None


def _differs(entry: EntryRow, expect: CheckpointChain | None) -> bool:
    """True when `entry` is where the checkpoint's chain ended and is not that entry."""
    return expect is not None and entry.seq == expect.seq and entry.hash != expect.hash


def _bound_rows(
    conn: Any, binding: RowBinding, facility_id: str, low: int, high: int
) -> dict[int, Mapping[str, Any]]:
    t = binding.table
    query = core_select(t).where(
        t.c.facility_id == facility_id, t.c.audit_seq >= low, t.c.audit_seq <= high
    )
    return {r["audit_seq"]: r for r in conn.execute(query).mappings()}


def _check_rows(
    entry: EntryRow, bound: list[tuple[RowBinding, dict[int, Mapping[str, Any]]]]
) -> str | None:
    for binding, rows in bound:
        row = rows.get(entry.seq)
        if entry.kind == binding.kind:
            if row is None:
                return f"its {binding.table.name} row is missing"
            difference = binding.difference(entry, row)
            if difference is not None:
                return difference
        elif row is not None:
            return (
                f"{binding.table.name} row {row['id']} claims it, but it records a `{entry.kind}`"
            )
    return None


def _row_without_entry(
    session: Session, log: AuditLog, facility_id: str, last: int
) -> ChainProblem | None:
    conn = session.connection()
    for binding in log.bindings:
        t = binding.table
        found = conn.execute(
            core_select(t.c.id, t.c.audit_seq)
            .where(
                t.c.facility_id == facility_id,
                or_(t.c.audit_seq.is_(None), t.c.audit_seq < 1, t.c.audit_seq > last),
            )
            .order_by(t.c.id)
            .limit(1)
        ).first()
        if found is not None:
            return ChainProblem(
                facility_id,
                last + 1,
                None,
                f"{t.name} row {found.id} has no entry in the chain: it was added outside "
                "the log, or its entry removed",
            )
    return None


def _rows_without_chain(
    session: Session, log: AuditLog, facility_id: str | None, chains: set[str]
) -> list[ChainProblem]:
    """Bound rows of a facility that has no chain at all."""
    conn = session.connection()
    problems = []
    for binding in log.bindings:
        t = binding.table
        query = core_select(t.c.facility_id, t.c.id).order_by(t.c.facility_id, t.c.id).limit(1)
        if facility_id is not None:
            if facility_id in chains:
                continue
            query = query.where(t.c.facility_id == facility_id)
        else:
            query = query.where(t.c.facility_id.not_in(core_select(_heads.c.facility_id)))
        found = conn.execute(query).first()
        if found is not None:
            problems.append(
                ChainProblem(
                    found.facility_id,
                    1,
                    None,
                    f"{t.name} row {found.id} has no entry: the facility has no chain",
                )
            )
    return problems


_heads = table_of(AuditHead)
_entries = table_of(AuditEntry)
_ENTRIES = (
    core_select(_entries)
    .where(_entries.c.facility_id == bindparam("fid"), _entries.c.seq >= bindparam("from"))
    .order_by(_entries.c.seq, _entries.c.id)
    .limit(bindparam("n"))
)


def registry_problems(
    session: Session, log: AuditLog, against: Checkpoint | None, *, detailed: bool = True
) -> list[ChainProblem]:
    """The registry as a whole: its head's code, and ordinals 1..count with no gap.

    Names no facility; not `detailed`, it does not tell counts either (a caller verifying
    one facility learns that the registry broke, not how many chains the deployment has).
    """
    head = session.get(AuditRegistry, REGISTRY_ID)
    ordinals = session.exec(select(AuditChain.ordinal).order_by(col(AuditChain.ordinal))).all()
    problems = []
    count = 0
    if head is None:
        if ordinals:
            problems.append(ChainProblem(None, 0, None, "its head is missing: it was deleted"))
    else:
        count = head.chains
        if not hmac.compare_digest(registry_mac(log, head.chains), head.mac):
            problems.append(
                ChainProblem(
                    None,
                    count,
                    None,
                    "its authentication code is wrong: its count was changed without the audit key",
                )
            )
    for expected, ordinal in enumerate(ordinals, start=1):
        if ordinal != expected:
            problems.append(
                ChainProblem(
                    None,
                    expected,
                    None,
                    f"chain #{expected} is missing: a chain was deleted with its registry row",
                )
            )
            break
    else:
        if head is not None and len(ordinals) != count:
            missing = len(ordinals) + 1
            problems.append(
                ChainProblem(
                    None,
                    missing,
                    None,
                    f"it counts {count} chains but holds {len(ordinals)}: "
                    "chains were deleted with their registry rows",
                )
            )
    if against is not None and against.registered is not None and count < against.registered:
        problems.append(
            ChainProblem(
                None,
                count + 1,
                None,
                f"it counts {count} chains, the checkpoint of {against.at.isoformat()} "
                f"counted {against.registered}: chains were deleted since",
            )
        )
    if problems and not detailed:
        return [
            ChainProblem(
                None,
                0,
                None,
                "it does not verify: a chain was deleted with its "
                "registry row, or the registry changed without the audit key",
            )
        ]
    return problems
