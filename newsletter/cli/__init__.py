"""The `newsletter` command: a few lines per command over the library, one module per
command family. Importing the modules registers their commands on `main`.

The top room: may import any other; nothing imports it. Reads the clock (utc_now) and
passes it down.
"""

from . import approval, bounces, build, feed, post, schedules, send, serve, social, subscribers  # noqa: F401
from .base import main

__all__ = ["main"]
