"""The demo company that `make run` loads: two facilities, ~50 units in every state."""

from api.demo._load import DEMO_COMPANY_ID, DemoLoad, load_demo

__all__ = ["DEMO_COMPANY_ID", "DemoLoad", "load_demo"]
