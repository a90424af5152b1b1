"""Policy decisions: compiled table vs cedarpy vs casbin vs a bare dict lookup.

Same policy (the shipped `policy/`) and the same requests for every engine; decisions are
checked identical before anything is timed. Also times compiling and the full proof.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import casbin
import cedarpy

from engine.access import classify
from engine.policy import (
    SPACE,
    AccessRequest,
    CompiledPolicy,
    compile_policy,
    default_invariants_path,
    default_policy_path,
    export_cedar,
    load_invariants,
    load_policy,
    reachability,
    verify_policy,
)
from engine.policy._cedar import cedar_entities, cedar_request
from engine.policy._model import FlagTest, PermissionTest, ValueTest
from engine.policy._resolve import expand_names
from tests.support.policy import request_of

SAMPLE = 2000


def _loop(fn: Callable[[Any], object], items: list[Any], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - started) / len(items))
    return best


# --- cedarpy -------------------------------------------------------------------------


def _cedar_setup(policy: CompiledPolicy) -> tuple[Any, Any]:
    exported = export_cedar(policy.source)
    policies = cedarpy.PolicySet.from_str(exported.policies)
    return policies, cedarpy.Entities.from_json_str(json.dumps(cedar_entities()))


# --- casbin --------------------------------------------------------------------------

_CASBIN_MODEL = """
[request_definition]
r = sub

[policy_definition]
p = sub_rule, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = eval(p.sub_rule)
"""


def _casbin_expr(policy: CompiledPolicy, conditions: Any) -> str:
    params = policy.source.parameter_values
    parts = []
    for attr, test in conditions.tests().items():
        field = f"r.sub.{attr}"
        if isinstance(test, ValueTest):
            names = expand_names(SPACE.dimension(attr), test.values, params)
            inner = " or ".join(f"{field} == '{n}'" for n in names)
            parts.append(f"not ({inner})" if test.negated else f"({inner})")
        elif isinstance(test, PermissionTest):
            wanted = expand_names(SPACE.dimension(attr), test.values, params)
            checks = [f"'{p}' in r.sub.permissions" for p in wanted]
            joined = {"all": " and ", "any": " or ", "none": " or "}[test.mode].join(checks)
            parts.append(f"not ({joined})" if test.mode == "none" else f"({joined})")
        elif isinstance(test, FlagTest):
            value = params[test.value[1:]] if isinstance(test.value, str) else test.value
            parts.append(f"{field} == {value}")
    return " and ".join(parts) or "True"


class _Sub:
    """Casbin's request subject: attributes by name."""

    def __init__(self, cell: int) -> None:
        v = SPACE.describe(cell)
        for d in SPACE.dimensions:
            if d.kind == "bool":
                setattr(self, d.name, v[d.name] == "true")
            elif d.kind == "enum":
                setattr(self, d.name, v[d.name])
        mask = SPACE.decode(cell)[SPACE.position["permissions"]]
        perms = SPACE.dimension("permissions").values
        self.permissions = [str(p) for b, p in enumerate(perms) if mask >> b & 1]


def _casbin_enforcer(policy: CompiledPolicy, folder: Path) -> Any:
    (folder / "model.conf").write_text(_CASBIN_MODEL)
    enforcer = casbin.Enforcer(str(folder / "model.conf"))
    for rule in policy.active:
        expr = _casbin_expr(policy, rule.when)
        if rule.unless is not None:
            expr = f"({expr}) and not ({_casbin_expr(policy, rule.unless)})"
        enforcer.add_policy(expr, "allow" if rule.effect == "permit" else "deny")
    return enforcer


def run(argv: list[str]) -> None:
    """Print per-decision times and ratios; raise if any engine disagrees."""
    del argv
    started = time.perf_counter()
    source = load_policy(default_policy_path())
    loaded = time.perf_counter()
    policy = compile_policy(source)
    compiled_at = time.perf_counter()
    proof = verify_policy(policy, load_invariants(default_invariants_path()))
    print(
        f"load {1000 * (loaded - started):.0f} ms, compile {1000 * (compiled_at - loaded):.0f} ms "
        f"({SPACE.cells} cells, {reachability().total} possible requests), full proof "
        f"{proof.seconds:.3f} s ({'ok' if proof.ok else 'VIOLATED'})"
    )

    rng = random.Random(7)
    cells = rng.sample([c for c, f in enumerate(reachability().flags) if f], SAMPLE)
    requests = [request_of(c) for c in cells]
    raw = [{f: getattr(r, f) for f in AccessRequest._fields if f != "cell"} for r in requests]
    expected = [policy.decide(r).allowed for r in requests]

    policies, entities = _cedar_setup(policy)
    cedar_requests = [cedar_request(c) for c in cells]
    cedar = [
        r.decision == cedarpy.Decision.Allow
        for r in cedarpy.is_authorized_batch(cedar_requests, policies, entities)
    ]
    with tempfile.TemporaryDirectory() as folder:
        enforcer = _casbin_enforcer(policy, Path(folder))
        subs = [_Sub(c) for c in cells]
        casbin_out = [enforcer.enforce(s) for s in subs]
        table = {
            tuple(sorted(r.items(), key=lambda kv: kv[0])): a
            for r, a in zip(raw, expected, strict=True)
        }
        keys = list(table)
        floor = [table[k] for k in keys]
        assert cedar == expected, "cedarpy disagrees with the compiled table"
        assert casbin_out == expected, "casbin disagrees with the compiled table"
        assert len(floor) == len(set(keys))
        print(f"identical decisions on {SAMPLE} requests: compiled = cedarpy = casbin = dict")

        full = _loop(lambda kw: policy.decide(AccessRequest(**kw)), raw)
        lookup = _loop(policy.decide, requests)
        decisions, codes = policy.decisions, policy.table
        bare = _loop(lambda r: decisions[codes[r.cell]], requests)
        classified = _loop(lambda r: classify(policy.decide(r), r, None), requests)
        cedar_single = _loop(
            lambda r: cedarpy.is_authorized(r, policies, entities), cedar_requests[:500], 3
        )
        batch_started = time.perf_counter()
        cedarpy.is_authorized_batch(cedar_requests, policies, entities)
        cedar_batch = (time.perf_counter() - batch_started) / SAMPLE
        casbin_each = _loop(enforcer.enforce, subs[:300], 2)
        dict_each = _loop(table.__getitem__, keys)

    rows = [
        ("compiled: build request + encode + decide", full),
        ("compiled: decide (request built)", lookup),
        ("compiled: bare table lookup, no denial code", bare),
        ("compiled: decide + classify (denial code)", classified),
        ("cedarpy is_authorized (parsed once)", cedar_single),
        ("cedarpy is_authorized_batch", cedar_batch),
        ("casbin enforce (ABAC, eval)", casbin_each),
        ("dict lookup of a precomputed table", dict_each),
    ]
    for label, seconds in rows:
        print(f"  {label:44} {seconds * 1e6:9.3f} µs/decision")
    best_cedar = min(cedar_single, cedar_batch)
    print(
        f"ratios: cedarpy(best)/compiled-full = {best_cedar / full:.0f}x, "
        f"casbin/compiled-full = {casbin_each / full:.0f}x, "
        f"compiled-full/dict = {full / dict_each:.1f}x, compiled-decide/dict = "
        f"{lookup / dict_each:.1f}x"
    )
    denied = sum(not policy.decide(r).allowed for r in requests)
    print(
        f"denial codes: decide+classify / bare lookup = {classified / bare:.2f}x "
        f"({denied} of {SAMPLE} requests denied)"
    )
