"""What every network's client does, and what it gives back: the shape post.py relies on."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from ...common.model import Article
from ..snippets import Snippet
from .images import Picture


@dataclass(frozen=True)
class Posted:
    """The platform's own id of the post and the address where people see it."""

    post_id: str
    url: str


class Network(Protocol):
    name: str
    """The platform's name in social/counting.PLATFORMS."""
    takes_pictures: bool
    """Whether the article's picture is fetched to upload with the post."""

    def new_key(self, article_id: str) -> str:
        """The key that lets the platform (or us) know this post again: written to the
        ledger before the platform is asked."""

    def fresh_key(self, article_id: str, key: str) -> str:
        """The key to post with after `key` found nothing (a key may expire)."""

    def find(self, snippet: Snippet, key: str) -> Posted | None:
        """The post an earlier, interrupted attempt made, if the platform has it."""

    def publish(self, snippet: Snippet, article: Article, key: str,
                picture: Picture | None) -> Posted:
        """Post it; raises PostRefused or PlatformUnavailable (http.py)."""

    def close(self) -> None: ...


def stable_key(article_id: str, platform: str) -> str:
    """The same text for the same article and platform, in every run on every machine."""
    return hashlib.sha256(f"{platform}\n{article_id}".encode()).hexdigest()[:48]
