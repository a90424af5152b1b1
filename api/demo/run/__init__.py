"""`unitgate demo run`: the seeds' stories played against a running server over HTTP, each
step's decisions at the doors compared with what the story expects."""

from api.demo.run._checks import ActivationIs, AlertRaised, Door, KeypadCode, Result, UnitState
from api.demo.run._client import DemoClient, DemoError
from api.demo.run._model import Step, Story
from api.demo.run._run import Run, StepOutcome, play
from api.demo.run._site import MANAGER, DemoSite, set_up_site
from api.demo.run._stories import STORIES, WINDOW

__all__ = [
    "MANAGER",
    "STORIES",
    "WINDOW",
    "ActivationIs",
    "AlertRaised",
    "DemoClient",
    "DemoError",
    "DemoSite",
    "Door",
    "KeypadCode",
    "Result",
    "Run",
    "Step",
    "StepOutcome",
    "Story",
    "UnitState",
    "play",
    "set_up_site",
]
