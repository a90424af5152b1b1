"""Describe a set of requests as a few readable rows (boxes), for diffs and reports.

Greedy cover: grow a box around an uncovered request one value at a time while every
request it adds is in the set or impossible (unreachable cells are don't-cares).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from engine.policy._boxes import box_cells
from engine.policy._reach import reachability
from engine.policy._space import DISPLAY_ORDER, SPACE

__all__ = ["Row", "cover", "render_row"]

Row = dict[str, tuple[str, ...]]
"""Attribute name → the values it takes; an attribute taking every value is left out."""

_GROW_ORDER = tuple(reversed(DISPLAY_ORDER))


def cover(cells: Collection[int], fixed: Iterable[str] = ()) -> list[tuple[Row, int]]:
    """Rows covering exactly the reachable `cells`, each with how many requests it adds.

    Rows may overlap; each request is counted in the first row that describes it.

    Attributes in `fixed` are not grown (the caller shows them elsewhere).
    """
    flags = reachability().flags
    wanted = set(cells)
    remaining = sorted(wanted)
    covered: set[int] = set()
    frozen = set(fixed)
    rows: list[tuple[Row, int]] = []
    for seed in remaining:
        if seed in covered:
            continue
        box = [1 << i for i in SPACE.decode(seed)]
        for name in _GROW_ORDER:
            if name in frozen:
                continue
            d = SPACE.position[name]
            for v in range(SPACE.sizes[d]):
                if box[d] >> v & 1:
                    continue
                slab = list(box)
                slab[d] = 1 << v
                slab_cells = box_cells(tuple(slab))
                if any(c in wanted for c in slab_cells) and all(
                    c in wanted or not flags[c] for c in slab_cells
                ):
                    box[d] |= 1 << v
        members = [c for c in box_cells(tuple(box)) if c in wanted and c not in covered]
        covered.update(members)
        row: Row = {}
        for name in DISPLAY_ORDER:
            d = SPACE.position[name]
            if box[d] != SPACE.dimensions[d].full_mask:
                dim = SPACE.dimensions[d]
                if dim.kind == "set":
                    row[name] = _permission_values(box[d])
                else:
                    row[name] = tuple(dim.label(v) for v in range(dim.size) if box[d] >> v & 1)
        rows.append((row, len(members)))
    return rows


def _permission_values(mask: int) -> tuple[str, ...]:
    """Subsets as `all:a+b` / `none:a` when the mask is that simple, else listed."""
    dim = SPACE.dimension("permissions")
    subsets = {m for m in range(dim.size) if mask >> m & 1}
    names = dim.values
    for required in range(1, dim.size):
        if subsets == {m for m in range(dim.size) if m & required == required}:
            return ("all:" + "+".join(n for b, n in enumerate(names) if required >> b & 1),)
        if subsets == {m for m in range(dim.size) if not m & required}:
            if required == dim.size - 1:
                return ("none",)
            return ("none:" + "+".join(n for b, n in enumerate(names) if required >> b & 1),)
    return tuple(dim.label(m) for m in sorted(subsets))


def render_row(row: Mapping[str, tuple[str, ...]], skip: Iterable[str] = ()) -> str:
    """`relation=tenant|shared, door=unit_lock` (or `any request`)."""
    hidden = set(skip)
    parts = [f"{k}={'|'.join(v)}" for k, v in row.items() if k not in hidden]
    return ", ".join(parts) if parts else "any request"
