"""The committed lifecycle artefacts in specs/ match the machine definition."""

from __future__ import annotations

from pathlib import Path

from engine.lifecycle import markdown_table, mermaid_diagram

SPECS = Path(__file__).parents[4] / "specs"


def test_lifecycle_diagram_is_fresh() -> None:
    committed = (SPECS / "lifecycle.mmd").read_text()
    assert committed == mermaid_diagram(), (
        "specs/lifecycle.mmd is stale: run `unitgate lifecycle diagram -o specs/lifecycle.mmd`"
    )


def test_lifecycle_table_is_fresh() -> None:
    committed = (SPECS / "lifecycle-table.md").read_text()
    assert committed == markdown_table(), (
        "specs/lifecycle-table.md is stale: review the change, then run "
        "`unitgate lifecycle table -o specs/lifecycle-table.md`"
    )
