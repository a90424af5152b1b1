"""A PMS simulator serving the JSON API on 127.0.0.1, with change streams and faults."""

from adapters.pms.sim._app import AccessLevelChange, Simulator, simulator_app
from adapters.pms.sim._faults import FaultInjector, Faults
from adapters.pms.sim._model import PmsModel
from adapters.pms.sim._push import WebhookPusher, WebhookTarget
from adapters.pms.sim._serve import BackgroundServer

__all__ = [
    "AccessLevelChange",
    "BackgroundServer",
    "FaultInjector",
    "Faults",
    "PmsModel",
    "Simulator",
    "WebhookPusher",
    "WebhookTarget",
    "simulator_app",
]
