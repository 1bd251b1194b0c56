"""The web edge: Flask lives here and nowhere else in the package."""

from .app import create_app

__all__ = ["create_app"]
