"""Bluesky over its XRPC API: a session from the handle and app password
(com.atproto.server.createSession), the picture as a blob (uploadBlob) for the link card's
thumbnail, and the post (app.bsky.feed.post with our link and tag facets and an
app.bsky.embed.external card) created with com.atproto.repo.createRecord under a record key
we choose and write to the ledger first. A resumed run asks for that record
(com.atproto.repo.getRecord) before posting, so a post the PDS took is found, not repeated.

The PDS takes a chosen record key for a post only if it is a TID (timestamp and clock id)
within minutes of now, so the key is a TID of the moment with a clock id from the article,
and a key found stale and unused is replaced by a fresh one before posting.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from ...common.clock import Clock
from ...common.model import Article
from ...common.settings import Settings
from ...common.text import cut
from ..snippets import Snippet
from .http import Answer, Api, PostRefused, PlatformUnavailable
from .images import Picture
from .network import Posted

POST = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
KEY_FRESH_SECONDS = 5 * 60
"""A stale key is replaced; the PDS refuses keys about ten minutes off its clock."""
BLOB_MAX = 1_000_000
"""The lexicon's limit for a link card's thumbnail."""
CARD_TITLE_MAX, CARD_DESCRIPTION_MAX = 300, 1000


def message_of(answer: Answer) -> str:
    body = answer.body if isinstance(answer.body, dict) else {}
    return str(body.get("message") or body.get("error") or "")


def tid(microseconds: int, clock_id: int) -> str:
    """A TID: 53 bits of microseconds since 1970 and 10 bits of clock id, in base32-sortable."""
    number = (microseconds << 10) | (clock_id & 0x3FF)
    return "".join(TID_ALPHABET[(number >> shift) & 31] for shift in range(60, -1, -5))


def tid_seconds(key: str) -> float | None:
    """When the TID `key` was made, or None if it is not a TID."""
    if len(key) != 13 or any(char not in TID_ALPHABET for char in key):
        return None
    number = 0
    for char in key:
        number = (number << 5) | TID_ALPHABET.index(char)
    return (number >> 10) / 1_000_000


class Bluesky:
    name = "bluesky"
    takes_pictures = True

    def __init__(self, settings: Settings, *, clock: Clock, sleep=None):
        secrets = settings.secrets
        self.clock = clock
        self.api = Api(settings.posting.bluesky_pds_url, "Bluesky", settings.posting,
                       message_of, clock, **({"sleep": sleep} if sleep else {}))
        self.handle, self.password = secrets.bluesky_handle, secrets.bluesky_app_password
        self.language = settings.clinic.language
        self.did = ""
        self.auth: dict[str, str] = {}

    def new_key(self, article_id: str) -> str:
        clock_id = int.from_bytes(hashlib.sha256(article_id.encode()).digest()[:2], "big")
        return tid((self.clock() - EPOCH) // timedelta(microseconds=1), clock_id)

    def fresh_key(self, article_id: str, key: str) -> str:
        made = tid_seconds(key)
        if made is not None and abs(self.clock().timestamp() - made) < KEY_FRESH_SECONDS:
            return key
        return self.new_key(article_id)

    def find(self, snippet: Snippet, key: str) -> Posted | None:
        self._session()
        try:
            answer = self.api.call("GET", "/xrpc/com.atproto.repo.getRecord", headers=self.auth,
                                   params={"repo": self.did, "collection": POST, "rkey": key})
        except PostRefused as error:
            if error.error_name == "RecordNotFound":
                return None  # this key made nothing
            raise
        return self._posted(answer.body["uri"])

    def publish(self, snippet: Snippet, article: Article, key: str,
                picture: Picture | None) -> Posted:
        self._session()
        record = {"$type": POST, "text": snippet.text,
                  "createdAt": self.clock().astimezone(timezone.utc).isoformat(timespec="milliseconds")
                  .replace("+00:00", "Z"),
                  "langs": [self.language]}
        if snippet.facets:
            record["facets"] = [facet.to_json() for facet in snippet.facets]
        if snippet.link:
            card = {"uri": snippet.link, "title": cut(article.title, CARD_TITLE_MAX),
                    "description": cut(article.summary, CARD_DESCRIPTION_MAX)}
            if picture is not None and len(picture.data) <= BLOB_MAX:
                card["thumb"] = self._blob(picture)
            record["embed"] = {"$type": "app.bsky.embed.external", "external": card}
        try:
            answer = self.api.call("POST", "/xrpc/com.atproto.repo.createRecord",
                                   headers=self.auth, json={"repo": self.did, "collection": POST,
                                                            "rkey": key, "record": record})
        except (PostRefused, PlatformUnavailable):
            # A record already under this key is refused (a 500 from today's PDS): ours.
            if (found := self.find(snippet, key)) is not None:
                return found
            raise
        return self._posted(answer.body["uri"])

    def _session(self) -> None:
        if self.auth:
            return
        answer = self.api.call("POST", "/xrpc/com.atproto.server.createSession",
                               json={"identifier": self.handle, "password": self.password})
        self.did = answer.body["did"]
        self.auth = {"Authorization": f"Bearer {answer.body['accessJwt']}"}

    def _blob(self, picture: Picture) -> dict:
        answer = self.api.call("POST", "/xrpc/com.atproto.repo.uploadBlob",
                               headers={**self.auth, "Content-Type": picture.mime},
                               content=picture.data)
        return answer.body["blob"]

    def _posted(self, uri: str) -> Posted:
        rkey = uri.rsplit("/", 1)[-1]
        return Posted(uri, f"https://bsky.app/profile/{self.did}/post/{rkey}")

    def close(self) -> None:
        self.api.close()
