"""A self-contained HTML page for reviewers: matrix, invariants, rules, lifecycle, diff."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from html import escape

from engine.domain import UnitState
from engine.lifecycle import EVENT_SOURCE, TRANSITIONS
from engine.policy._boxes import box_cells
from engine.policy._compiler import CompiledPolicy
from engine.policy._cover import cover, render_row
from engine.policy._diff import PolicyDiff
from engine.policy._reach import box_of, reachability
from engine.policy._space import SPACE
from engine.policy._verifier import VerifyReport

__all__ = ["html_report"]

_MATRIX_FIXED = ("relation", "door", "unit_state")
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:1400px}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ccc;padding:.3rem .5rem;
vertical-align:top;text-align:left}th{background:#f3f3f5}code{font-size:.92em}
.permit{background:#e3f6e6}.deny{background:#fbe7e7}.mixed{background:#fff6dc}
.none{color:#999}.proved{color:#0a7a2f;font-weight:600}.violated{color:#b3261e;font-weight:700}
.muted{color:#666}ul.conds{margin:0;padding-left:1.1rem}small{color:#555}
"""


def _matrix_cell(policy: CompiledPolicy, relation: str, door: str, state: str) -> str:
    flags = reachability().flags
    cells = [
        c
        for c in box_cells(box_of({"relation": [relation], "door": [door], "unit_state": [state]}))
        if flags[c]
    ]
    if not cells:
        return '<td class="none">impossible</td>'
    permitted = [c for c in cells if policy.allowed_cell(c)]
    if not permitted:
        return '<td class="deny">deny</td>'
    if len(permitted) == len(cells):
        return '<td class="permit">permit</td>'
    rows = cover(permitted, fixed=_MATRIX_FIXED)
    items = "".join(
        f"<li><code>{escape(render_row(row, _MATRIX_FIXED))}</code></li>" for row, _ in rows[:6]
    )
    more = f"<li class='muted'>… {len(rows) - 6} more</li>" if len(rows) > 6 else ""
    return (
        f'<td class="mixed">permit {len(permitted)} of {len(cells)} when:'
        f'<ul class="conds">{items}{more}</ul></td>'
    )


def _matrix(policy: CompiledPolicy) -> str:
    states = SPACE.dimension("unit_state").values
    head = "".join(f"<th>{escape(s)}</th>" for s in states)
    out = [f"<table><tr><th>door</th><th>relation</th>{head}</tr>"]
    for door in SPACE.dimension("door").values:
        for relation in SPACE.dimension("relation").values:
            cells = "".join(_matrix_cell(policy, relation, door, s) for s in states)
            out.append(f"<tr><th>{escape(door)}</th><th>{escape(relation)}</th>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def _invariants(proof: VerifyReport) -> str:
    rows = []
    for r in proof.results:
        status = {
            "proved": f'<span class="proved">proved</span> on all {r.checked} requests',
            "violated": f'<span class="violated">VIOLATED</span> on {r.violations} requests',
            "not_applicable": f'<span class="violated">not proven</span>: {escape(r.note)}',
            "system": f"tested on the running system: {escape(r.note)}",
        }[r.status]
        if r.counterexample is not None:
            ex = r.counterexample
            rules = ", ".join(f"<code>{escape(x.id)}</code>" for x in ex.responsible) or "none"
            row = {k: (v,) for k, v in ex.attributes.items()}
            status += (
                f"<br>smallest counterexample: <code>{escape(render_row(row))}</code>"
                f" → {'permit' if ex.decision.allowed else 'deny'}; rules: {rules}"
            )
        inv = r.invariant.spec
        rows.append(
            f"<tr><td><code>{escape(inv.id)}</code><br><small>{escape(inv.source)}</small></td>"
            f"<td>{escape(' '.join(inv.statement.split()))}</td><td>{status}</td></tr>"
        )
    return (
        "<table><tr><th>invariant</th><th>statement</th><th>status</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _rules(policy: CompiledPolicy) -> str:
    stats = policy.rule_statistics()
    rows = []
    for rule in policy.source.rules:
        matched, lost = stats.get(rule.id, (0, 0))
        use = (
            f"matches {matched}, decides {matched - lost}"
            if rule.enabled
            else f"off ({escape(rule.enabled_by or 'disabled')})"
        )
        rows.append(
            f'<tr class="{"permit" if rule.effect == "permit" else "deny"}">'
            f"<td><code>{escape(rule.id)}</code><br><small>{escape(str(rule.location))}</small></td>"
            f"<td>{rule.effect}</td><td>{escape(rule.description)}</td>"
            f"<td>{escape(rule.reason or '')}</td>"
            f"<td>{f'<code>{rule.code}</code>' if rule.code else ''}</td><td>{use}</td></tr>"
        )
    return (
        "<table><tr><th>rule</th><th>effect</th><th>why (for reviewers)</th>"
        "<th>told at the door</th><th>code</th><th>requests</th></tr>" + "".join(rows) + "</table>"
    )


def _lifecycle() -> str:
    states = [str(s) for s in UnitState]
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for spec in TRANSITIONS:
        for source in spec.sources:
            dest = str(source if spec.dest is None else spec.dest)
            label = f"{spec.event} ({EVENT_SOURCE[spec.event]})"
            if label not in edges[(str(source), dest)]:
                edges[(str(source), dest)].append(label)
    head = "".join(f"<th>→ {escape(s)}</th>" for s in states)
    rows = []
    for src in states:
        cells = "".join(
            f"<td>{'<br>'.join(escape(e) for e in edges.get((src, dst), []))}</td>"
            for dst in states
        )
        rows.append(f"<tr><th>{escape(src)}</th>{cells}</tr>")
    return f"<table><tr><th>from \\ to</th>{head}</tr>{''.join(rows)}</table>"


def _diff(diff: PolicyDiff) -> str:
    if diff.empty:
        return (
            f"<p>No decision changes. {diff.reason_changed} requests change only their "
            "deciding rule.</p>"
        )
    rows = "".join(
        f"<tr><td class='{r.before}'>{r.before}</td><td class='{r.after}'>{r.after}</td>"
        f"<td><code>{escape(r.before_rule or 'default deny')}</code> → "
        f"<code>{escape(r.after_rule or 'default deny')}</code></td>"
        f"<td><code>{escape(render_row(r.conditions))}</code></td><td>{r.requests}</td></tr>"
        for r in diff.rows
    )
    return (
        f"<p>{diff.changed} requests change decision; {diff.reason_changed} more change only "
        f"their deciding rule. Old version <code>{escape(diff.old_version)}</code>.</p>"
        "<table><tr><th>before</th><th>after</th><th>deciding rule</th><th>requests</th>"
        f"<th>count</th></tr>{rows}</table>"
    )


def html_report(
    policy: CompiledPolicy,
    proof: VerifyReport,
    generated_at: datetime,
    diff: PolicyDiff | None = None,
) -> str:
    """The reviewer report as one HTML document with no external resources."""
    src = policy.source
    params = "".join(
        f"<tr><td><code>{escape(p.name)}</code></td><td><code>{escape(repr(p.value))}</code>"
        f"{' (file: ' + escape(repr(p.file_value)) + ')' if p.overridden else ''}</td>"
        f"<td>{escape(p.description)}</td></tr>"
        for p in src.parameters
    )
    files = "".join(
        f"<li><code>{escape(n)}</code> <small>sha256 {h[:16]}</small></li>" for n, h in src.files
    )
    verdict = (
        '<span class="proved">all invariants hold</span>'
        if proof.ok
        else f'<span class="violated">{len(proof.failures)} invariant(s) violated</span>'
    )
    given_up = [r.invariant.id for r in proof.results if r.status == "not_applicable"]
    if given_up:
        verdict += (
            '; <span class="violated">given up by this policy\'s parameters: '
            f"{escape(', '.join(given_up))}</span>"
        )
    sections = [
        f"<h1>unitgate access policy report</h1><p>Policy <code>{escape(src.origin)}</code>, "
        f"version <code>{escape(src.version)}</code>, generated {generated_at:%Y-%m-%d %H:%M} UTC. "
        f"{verdict}; {reachability().total} possible requests checked.</p><ul>{files}</ul>",
        "<h2>Parameters</h2><table><tr><th>name</th><th>value</th><th>meaning</th></tr>"
        f"{params}</table>",
    ]
    if diff is not None:
        sections.append(f"<h2>Changes against the old policy</h2>{_diff(diff)}")
    sections += [
        f"<h2>Invariants</h2>{_invariants(proof)}",
        "<h2>Decision matrix</h2><p>Each cell: every possible request with that relation, "
        "door and unit state. Conditions list when access is permitted.</p>" + _matrix(policy),
        f"<h2>Rules</h2><p>Deny by default; any matching forbid wins.</p>{_rules(policy)}",
        "<h2>Unit lifecycle</h2><p>Events by source; the PMS owns occupied, gatelock, "
        "overlock and available; the portal sets the lien states.</p>" + _lifecycle(),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>unitgate policy {escape(src.version)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
