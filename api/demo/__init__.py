"""The demo that `make run` loads: Acme (two facilities, 52 units in every state) and Bolt
(one facility), sharing a tenant."""

from api.demo._load import DEMO_COMPANY_ID, DemoLoad, load_demo
from api.demo._locks import DEMO_GATEWAY, DEMO_LOCK_SEEDS, demo_locks

__all__ = [
    "DEMO_COMPANY_ID",
    "DEMO_GATEWAY",
    "DEMO_LOCK_SEEDS",
    "DemoLoad",
    "demo_locks",
    "load_demo",
]
