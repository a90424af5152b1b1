"""Boxes (one allowed-value bitmask per dimension) and the walk that splits the space.

A rule's `when` and `unless` are boxes. `decision_regions` splits the space into contiguous
cell ranges on which the first matching rule is constant, so compiling writes whole slices
instead of visiting cells one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.policy._space import SPACE, Space

__all__ = ["Box", "Matcher", "box_cells", "box_has", "decision_regions", "matcher_cells"]

Box = tuple[int, ...]
"""Per dimension, the bitmask of allowed value indexes."""


@dataclass(frozen=True)
class Matcher:
    """Cells in `when` and not in `unless`."""

    when: Box
    unless: Box | None = None


def box_has(box: Box, indexes: tuple[int, ...]) -> bool:
    """True when the cell with these value indexes lies in `box`."""
    return all(mask >> i & 1 for mask, i in zip(box, indexes, strict=True))


def box_cells(box: Box, space: Space = SPACE) -> list[int]:
    """Every cell of `box`, ascending."""
    cells = [0]
    for mask, size, stride in zip(box, space.sizes, space.strides, strict=True):
        offsets = [i * stride for i in range(size) if mask >> i & 1]
        cells = [c + o for c in cells for o in offsets]
    return cells


def _full_from(box: Box, space: Space) -> tuple[bool, ...]:
    """For each depth d, whether `box` allows every value of every dimension from d on."""
    flags = [True] * (len(box) + 1)
    for d in range(len(box) - 1, -1, -1):
        flags[d] = flags[d + 1] and box[d] == space.dimensions[d].full_mask
    return tuple(flags)


def decision_regions(
    matchers: Sequence[Matcher], space: Space = SPACE
) -> Iterator[tuple[int, int, int]]:
    """Yield `(start, length, first)`: ranges where the first matching rule is constant.

    `matchers` are in priority order; `first` indexes it, or is -1 where none matches.
    A range is cut only until its highest-priority live rule matches all of it.
    """
    when_full = [_full_from(m.when, space) for m in matchers]
    unless_full = [_full_from(m.unless, space) if m.unless else None for m in matchers]

    def walk(
        depth: int, start: int, live: list[tuple[int, bool]]
    ) -> Iterator[tuple[int, int, int]]:
        kept: list[tuple[int, bool]] = []
        for r, unless_open in live:
            uf = unless_full[r]
            if unless_open and uf is not None and uf[depth]:
                continue  # INVARIANT: `unless` covers the whole range, the rule is out
            kept.append((r, unless_open))
        if not kept:
            yield start, space.span(depth), -1
            return
        first, first_unless_open = kept[0]
        if not first_unless_open and when_full[first][depth]:
            yield start, space.span(depth), first
            return
        stride = space.strides[depth]
        for v in range(space.sizes[depth]):
            bit = 1 << v
            nxt = [
                (r, unless_open and bool((matchers[r].unless or space.full_box)[depth] & bit))
                for r, unless_open in kept
                if matchers[r].when[depth] & bit
            ]
            yield from walk(depth + 1, start + v * stride, nxt)

    yield from walk(0, 0, [(r, m.unless is not None) for r, m in enumerate(matchers)])


def matcher_cells(matcher: Matcher, space: Space = SPACE) -> list[int]:
    """Every cell in `when` and not in `unless`, ascending."""
    cells = box_cells(matcher.when, space)
    if matcher.unless is None:
        return cells
    both = tuple(a & b for a, b in zip(matcher.when, matcher.unless, strict=True))
    excluded = set(box_cells(both, space))
    return [c for c in cells if c not in excluded]
