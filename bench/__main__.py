"""Run benchmarks: `python -m bench` runs all, `python -m bench NAME ...` runs some.

Each benchmark is a module `bench/<name>.py` with a `run(argv: list[str]) -> None` function
that prints its figures (and the ratio to its reference). Timings never assert anything.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def _names() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none are named)."""
    available = _names()
    wanted = [a for a in argv if not a.startswith("-")] or available
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    for name in wanted:
        print(f"== bench {name}")
        importlib.import_module(f"bench.{name}").run([a for a in argv if a.startswith("-")])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
