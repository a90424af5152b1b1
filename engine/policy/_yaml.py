"""YAML to plain data, remembering the line and column of every value.

PyYAML keeps the last of duplicate keys silently; reviewers would never see the first, so
a duplicate key is an error here. Nesting and the values aliases expand to are bounded, so
a hostile or broken file is refused at its line instead of exhausting the stack or memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.policy._errors import PolicyError, PolicyIssue, SourceLocation

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_VALUES", "Located", "read_yaml"]

MAX_FILE_BYTES = 256 * 1024
"""Policy and invariant files are read by people; anything larger is a mistake or an attack."""
MAX_DEPTH = 20
"""Deepest nesting of mappings and lists; the formats need 7 (invariants' permissions)."""
MAX_VALUES = 100_000
"""Most values a file may expand to (aliases repeat values); a policy file holds hundreds."""

Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed YAML data and the `(line, column)` (1-based) of each value by its path."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def location(self, path: Path_, *, key: bool = False) -> SourceLocation:
        """The location of the value at `path` (or of its key), else of its nearest parent."""
        if key and tuple(path) in self.key_marks:
            line, column = self.key_marks[tuple(path)]
            return SourceLocation(self.file, line, column, dotted(path))
        probe = tuple(path)
        while probe not in self.marks and probe:
            probe = probe[:-1]
        line, column = self.marks.get(probe, (1, 1))
        return SourceLocation(self.file, line, column, dotted(path))


def dotted(path: Path_) -> str:
    """`rules[2].when.door` for `("rules", 2, "when", "door")`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _fail(file: str, line: int, column: int, code: str, message: str, help: str) -> PolicyError:
    return PolicyError(
        [PolicyIssue("error", code, message, SourceLocation(file, line, column), help)]
    )


class _TooDeep(Exception):
    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line, self.column = line, column


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing to compose deeper than `MAX_DEPTH` (its composer recurses)."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
                mark = event.start_mark
                raise _TooDeep(mark.line + 1, mark.column + 1) if mark else _TooDeep(1, 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_deep(file: str, line: int, column: int) -> PolicyError:
    return _fail(
        file, line, column, "too-deep", f"nesting deeper than {MAX_DEPTH} levels",
        "policy files nest a few levels (rules, a rule, its conditions); check the brackets",
    )  # fmt: skip


def read_yaml(text: str | bytes, file: str, *, max_bytes: int = MAX_FILE_BYTES) -> Located:
    """Parse one YAML document with locations; raise `PolicyError` on any problem."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > max_bytes:
        raise _fail(
            file, 1, 1, "file-too-large",
            f"file is {size} bytes, over the limit of {max_bytes}",
            "split the policy into several files in one directory",
        )  # fmt: skip
    try:
        node = yaml.compose(text, Loader=_BoundedLoader)
    except _TooDeep as exc:
        raise _too_deep(file, exc.line, exc.column) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or "malformed yaml").strip()
        raise _fail(
            file, line, column, "yaml-syntax", f"malformed yaml: {problem}",
            "check indentation and quoting; values with `:` or `#` need quotes",
        ) from exc  # fmt: skip
    except yaml.YAMLError as exc:
        raise _fail(file, 1, 1, "yaml-syntax", f"malformed yaml: {exc}", "") from exc
    if node is None:
        raise _fail(
            file, 1, 1, "empty-file", "file is empty",
            "a policy file holds `rules:` and/or `parameters:`; delete the file if unused",
        )  # fmt: skip
    located = Located(file, None)
    located.data = _build(node, (), located, yaml.SafeLoader(""))
    return located


def _build(node: Node, path: Path_, out: Located, loader: yaml.SafeLoader) -> Any:
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    # Aliases share nodes: depth and count are checked on the expanded data, which is
    # what an alias chain or a self-referencing anchor would make unbounded.
    if len(path) > MAX_DEPTH:
        raise _too_deep(out.file, line, column)
    if len(out.marks) >= MAX_VALUES and path not in out.marks:
        raise _fail(
            out.file, line, column, "too-many-values",
            f"the file expands to more than {MAX_VALUES} values",
            "anchors and aliases (`&name`, `*name`) repeat values; write the values out",
        )  # fmt: skip
    out.marks[path] = (line, column)
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise _fail(
                    out.file, line, column, "bad-key", "keys must be plain names",
                    "write keys like `when:` or `door:`",
                )  # fmt: skip
            key = str(key_node.value)
            if key in result:
                raise _fail(
                    out.file, line, column, "duplicate-key",
                    f"key `{key}` appears twice in one mapping",
                    "YAML would silently keep only the last one; merge or rename them",
                )  # fmt: skip
            out.key_marks[(*path, key)] = (line, column)
            result[key] = _build(value_node, (*path, key), out, loader)
        return result
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, i), out, loader) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        # e.g. `2026-02-30` resolves to a date that does not exist
        raise _fail(
            out.file, line, column, "bad-value", f"cannot read `{node.value}`: {exc}",
            "quote the value if it is text",
        ) from exc  # fmt: skip
