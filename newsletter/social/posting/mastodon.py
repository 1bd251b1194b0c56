"""Mastodon's REST API: the picture to POST /api/v2/media with its description (the alt
text), then POST /api/v1/statuses with an Idempotency-Key derived from the article, so a
request repeated after a crash or a lost answer gives back the status already made instead
of a second one. Mastodon keeps those keys for an hour; `find` looks through the account's
recent statuses for the article's link for a run resumed later than that.
"""

from __future__ import annotations

import html

from ...common.clock import Clock
from ...common.model import Article
from ...common.settings import Settings
from ..snippets import Snippet
from .http import Answer, Api, PlatformUnavailable, PostRefused
from .images import Picture
from .network import Posted, stable_key

MEDIA_POLLS = 10
"""A picture still processing (202) is asked after this many times before giving up."""
RECENT = 40
"""Mastodon's largest page of an account's statuses."""


def message_of(answer: Answer) -> str:
    body = answer.body if isinstance(answer.body, dict) else {}
    return str(body.get("error_description") or body.get("error") or "")


class Mastodon:
    name = "mastodon"
    takes_pictures = True

    def __init__(self, settings: Settings, *, clock: Clock, sleep=None):
        secrets = settings.secrets
        self.api = Api(secrets.mastodon_url, "Mastodon", settings.posting, message_of, clock,
                       **({"sleep": sleep} if sleep else {}))
        self.auth = {"Authorization": f"Bearer {secrets.mastodon_token}"}
        self.language = settings.clinic.language

    def new_key(self, article_id: str) -> str:
        return stable_key(article_id, self.name)

    def fresh_key(self, article_id: str, key: str) -> str:
        return key

    def find(self, snippet: Snippet, key: str) -> Posted | None:
        """A token without the read scopes cannot look: then the Idempotency-Key alone
        keeps the repeat from being a second status (within Mastodon's hour)."""
        try:
            me = self.api.call("GET", "/api/v1/accounts/verify_credentials", headers=self.auth)
            recent = self.api.call("GET", f"/api/v1/accounts/{me.body['id']}/statuses",
                                   headers=self.auth, params={"limit": RECENT,
                                                              "exclude_reblogs": "true"})
        except PostRefused:
            return None
        for status in recent.body or ():
            if snippet.link and snippet.link in html.unescape(status.get("content", "")):
                return Posted(str(status["id"]), status.get("url") or status.get("uri", ""))
        return None

    def publish(self, snippet: Snippet, article: Article, key: str,
                picture: Picture | None) -> Posted:
        media = [self._upload(picture)] if picture else []
        answer = self.api.call("POST", "/api/v1/statuses",
                               headers={**self.auth, "Idempotency-Key": key},
                               json={"status": snippet.text, "media_ids": media,
                                     "visibility": "public", "language": self.language})
        status = answer.body
        return Posted(str(status["id"]), status.get("url") or status.get("uri", ""))

    def _upload(self, picture: Picture) -> str:
        """The media id of the uploaded picture, once Mastodon has processed it (a status
        that attaches an unprocessed one is refused)."""
        answer = self.api.call("POST", "/api/v2/media", headers=self.auth,
                               files={"file": ("image", picture.data, picture.mime)},
                               data={"description": picture.alt})
        media_id = str(answer.body["id"])
        polls = 0
        while answer.status in (202, 206):
            polls += 1
            if polls > MEDIA_POLLS:
                raise PlatformUnavailable("Mastodon is still processing the picture",
                                          hint="try again later: nothing is posted twice")
            self.api.sleep(self.api.settings.retry_wait_seconds)
            answer = self.api.call("GET", f"/api/v1/media/{media_id}", headers=self.auth)
        return media_id

    def close(self) -> None:
        self.api.close()
