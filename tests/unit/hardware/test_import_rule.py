"""`hardware` is a lock library: it imports nothing of `engine`, `adapters` or `api`."""

from __future__ import annotations

import ast
from pathlib import Path

import hardware

FORBIDDEN = ("engine", "adapters", "api")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_hardware_imports_none_of_the_other_packages() -> None:
    root = Path(hardware.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) > 20, "the scan found the package's modules"
    offending = {
        f"{path.relative_to(root)}: {name}"
        for path in files
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert not offending, offending


def test_the_scan_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from engine.clock import ManualClock\nimport api.app\n", encoding="utf-8")
    assert {"engine.clock", "api.app"} <= _imports(module)
