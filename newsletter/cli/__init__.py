"""The `newsletter` command: a few lines per command over the library, one module per
command family. Importing the modules registers their commands on `main`."""

from . import approval, bounces, build, feed, schedules, send, serve, social, subscribers  # noqa: F401
from .base import main

__all__ = ["main"]
