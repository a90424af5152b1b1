"""`unitgate`: the command line."""

from api.cli._main import cli, main

__all__ = ["cli", "main"]
