"""A Facebook Page over the Graph API: POST /{page-id}/feed with the message and the link
(Facebook makes the link's preview, picture included, from the article's Open Graph tags).
The Graph API has no idempotency key, so a resumed run, and a retry after an answer that
leaves it unsure, first looks through the Page's recent posts (GET /{page-id}/posts) for
the article's link.
"""

from __future__ import annotations

from ...common.clock import Clock
from ...common.model import Article
from ...common.settings import Settings
from ..snippets import Snippet
from .http import Answer, Api
from .images import Picture
from .network import Posted, stable_key

RECENT = 25
THROTTLED = {1, 2, 4, 17, 32, 341, 613}
"""Graph API error codes that mean "later" (unknown, service, app, user, page and custom
rate limits, temporary issues), whatever the HTTP status says."""


def error_of(answer: Answer) -> dict:
    body = answer.body if isinstance(answer.body, dict) else {}
    return body.get("error") if isinstance(body.get("error"), dict) else {}


def message_of(answer: Answer) -> str:
    error = error_of(answer)
    return str(error.get("error_user_msg") or error.get("message") or "")


def retryable(answer: Answer) -> bool:
    error = error_of(answer)
    return answer.status == 429 or answer.status >= 500 or bool(error.get("is_transient")) \
        or error.get("code") in THROTTLED


class Facebook:
    name = "facebook"
    takes_pictures = False

    def __init__(self, settings: Settings, *, clock: Clock, sleep=None):
        secrets = settings.secrets
        self.api = Api(settings.posting.facebook_graph_url, "Facebook", settings.posting,
                       message_of, clock, retryable, **({"sleep": sleep} if sleep else {}))
        self.page, self.token = secrets.facebook_page_id, secrets.facebook_page_token

    def new_key(self, article_id: str) -> str:
        return stable_key(article_id, self.name)

    def fresh_key(self, article_id: str, key: str) -> str:
        return key

    def find(self, snippet: Snippet, key: str) -> Posted | None:
        answer = self.api.call("GET", f"/{self.page}/posts", params={
            "fields": "id,message,permalink_url", "limit": RECENT, "access_token": self.token})
        for post in (answer.body or {}).get("data", ()):
            if snippet.link and snippet.link in (post.get("message") or ""):
                return Posted(post["id"], post.get("permalink_url") or _address(post["id"]))
        return None

    def publish(self, snippet: Snippet, article: Article, key: str,
                picture: Picture | None) -> Posted:
        answer = self.api.call("POST", f"/{self.page}/feed",
                               data={"message": snippet.text, "link": snippet.link,
                                     "access_token": self.token},
                               recheck=lambda: self.find(snippet, key))
        if isinstance(answer, Posted):
            return answer
        return Posted(answer.body["id"], _address(answer.body["id"]))

    def close(self) -> None:
        self.api.close()


def _address(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"
