"""A bounded HTTP load from its own process: N requests, C at a time, latency percentiles.

Usage: python -m bench._load URL METHOD N CONCURRENCY [BEARER_TOKEN]  (prints one JSON line)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx


async def _load(
    url: str, method: str, total: int, concurrency: int, token: str | None
) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"channel": "phone_relay"} if method == "POST" else None
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    remaining = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            for _ in remaining:
                start = time.perf_counter()
                response = await client.request(method, url, json=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        for _ in range(20):  # warm-up, not measured
            await client.request(method, url, json=body, headers=headers)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": total,
        "seconds": elapsed,
        "per_second": total / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "statuses": statuses,  # type: ignore[dict-item]
        "latencies_ms": [1000 * x for x in latencies],  # type: ignore[dict-item]
    }


if __name__ == "__main__":
    url, method, total, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    token = sys.argv[5] if len(sys.argv) > 5 else None
    print(json.dumps(asyncio.run(_load(url, method, total, concurrency, token))))
