"""Which networks the clinic can post to from here: those whose credentials are in the
environment. The others stay "copy and paste", as the preview has always shown them."""

from __future__ import annotations

from collections.abc import Callable

from ...common.clock import Clock
from ...common.settings import SECRET_VARIABLES, Settings
from .bluesky import Bluesky
from .facebook import Facebook
from .mastodon import Mastodon
from .network import Network

CLIENTS: dict[str, type] = {"mastodon": Mastodon, "bluesky": Bluesky, "facebook": Facebook}
NEEDS = {"mastodon": ("mastodon_url", "mastodon_token"),
         "bluesky": ("bluesky_handle", "bluesky_app_password"),
         "facebook": ("facebook_page_id", "facebook_page_token")}
"""Each network and the settings (from the environment) it cannot post without."""


def postable(settings: Settings) -> tuple[str, ...]:
    """The networks with every credential they need, in a fixed order."""
    return tuple(name for name, keys in NEEDS.items()
                 if all(getattr(settings.secrets, key) for key in keys))


def missing(name: str) -> tuple[str, ...]:
    """The environment variables a network needs, to name in a message."""
    return tuple(SECRET_VARIABLES[key] for key in NEEDS.get(name, ()))


def client(settings: Settings, name: str, *, clock: Clock,
           sleep: Callable[[float], None] | None = None) -> Network:
    return CLIENTS[name](settings, clock=clock, sleep=sleep)
