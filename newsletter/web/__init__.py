"""The web front door: the staff pages and the subscribers' pages. Flask lives here and
nowhere else in the package.

May import every room but cli/. Routes read the time only through the app's clock.
"""

from .app import create_app

__all__ = ["create_app"]
