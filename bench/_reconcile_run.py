"""One full reconcile in a process of its own, so its peak memory is its own.

Usage: python -m bench._reconcile_run DATABASE_URL FACILITY_ID FACILITY_REF PMS_URL
(prints one JSON line: seconds, peak RSS in MB, the drift report's counts)
"""

from __future__ import annotations

import json
import resource
import sys
import time

from adapters.pms import HttpPmsConnector
from adapters.sync import reconcile
from engine.runtime import Runtime


def main(url: str, facility_id: str, facility_ref: str, pms_url: str) -> None:
    """Reconcile and print the figures."""
    rt = Runtime.create(url, b"bench")
    connector = HttpPmsConnector(pms_url, timeout=60, page_size=5000)
    start = time.perf_counter()
    report = reconcile(rt, facility_id, facility_ref, connector, batch=500)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_mb,
                "pms_units": report.pms_units,
                "behind": report.behind,
                "outcomes": dict(report.outcomes),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:5])
