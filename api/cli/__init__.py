"""`unitgate`: the command line."""

from api.cli._main import main

__all__ = ["main"]
