"""The demo that `make run` loads: Acme (two facilities, 52 units in every state) and Bolt
(one facility), sharing a tenant."""

from api.demo._load import DEMO_COMPANY_ID, DemoLoad, load_demo

__all__ = ["DEMO_COMPANY_ID", "DemoLoad", "load_demo"]
