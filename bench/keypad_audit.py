"""Keypad audit: what writing every code change to the audit log costs a reconcile round.

Two identical stores on SQLite (a facility of `--locks` units, each tenant's code to create
on a keypad unit lock of the in-process simulated lock service, `--codes` codes someone else
set on each), reconciled side by side in one run: without an audit log (A) and with one (B:
one `keypad_code_created` and one `keypad_code_set` entry per code, appended per facility
in the round's last transaction). A and B alternate `--repeat` times (the machine is shared:
the best of each is kept). Prints both first rounds, both steady rounds (nothing to audit)
and the ratios B/A.

Options: `--locks=N` (default 300), `--codes=N` (default 20), `--repeat=N` (default 3).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlmodel import col, func, select

from adapters.lockservice.sim import SimulatedLockService
from bench.keypad_reconcile import _store
from engine.clock import ManualClock
from engine.codes import CODE_EVENT_KINDS, ReconcileConfig, Reconciler
from engine.persistence import upgrade
from engine.persistence.tables import AuditEntry
from engine.policy import compile_policy, default_policy_path, load_policy
from engine.runtime import Runtime


def _rounds(
    folder: Path, name: str, locks: int, codes: int, audited: bool
) -> tuple[float, float, int]:
    rt = Runtime.create(f"sqlite:///{folder / name}.db", b"bench-key", clock=ManualClock())
    upgrade(rt.db)
    sim = SimulatedLockService(rt.clock)
    _store(rt, sim, locks, codes)
    policy = compile_policy(load_policy(default_policy_path()))
    reconciler = Reconciler(
        rt.db,
        sim,
        rt.access,
        lambda: policy,
        rt.clock,
        ReconcileConfig(seed=1),
        rt.audit if audited else None,
    )
    t0 = time.perf_counter()
    reconciler.run_once()
    t1 = time.perf_counter()
    reconciler.run_once()
    t2 = time.perf_counter()
    with rt.db.read() as s:
        entries = s.exec(
            select(func.count()).where(col(AuditEntry.kind).in_(CODE_EVENT_KINDS))
        ).one()
    rt.db.dispose()
    return t1 - t0, t2 - t1, int(entries)


def run(argv: list[str]) -> None:
    """Print the rounds without and with the audit log, and the ratios."""
    parser = argparse.ArgumentParser(prog="bench keypad_audit")
    parser.add_argument("--locks", type=int, default=300)
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="unitgate-bench-keypad-audit-"))
    a_runs, b_runs = [], []
    for i in range(max(1, args.repeat)):
        a_runs.append(_rounds(folder, f"a{i}", args.locks, args.codes, audited=False))
        b_runs.append(_rounds(folder, f"b{i}", args.locks, args.codes, audited=True))
    a_first, a_steady = min(r[0] for r in a_runs), min(r[1] for r in a_runs)
    b_first, b_steady = min(r[0] for r in b_runs), min(r[1] for r in b_runs)
    entries = b_runs[0][2]
    print(f"{args.locks} locks × {args.codes} codes someone else set, one code each to create")
    print(
        f"first round   A (no audit) {a_first:6.2f} s   B (audited, {entries} entries) "
        f"{b_first:6.2f} s   B/A {b_first / a_first:.3f}x"
    )
    print(
        f"steady round  A {a_steady:6.2f} s   B {b_steady:6.2f} s   B/A {b_steady / a_steady:.3f}x"
    )
