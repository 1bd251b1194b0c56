"""One HTTP exchange with a platform's API, asked again on the answers worth asking again
(429, 5xx, a dropped connection), honoring the platform's Retry-After, a bounded number of
times. A refusal comes back as `PostRefused` in the platform's own words.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ...common.clock import Clock
from ...common.errors import NewsletterError
from ...common.settings import PostingSettings
from ...common.text import cut, one_line

MESSAGE_MAX = 300
"""A platform's message is shown to staff and kept in the ledger: one line, at most this."""


class PostingError(NewsletterError):
    """A network did not take a post."""


class PostRefused(PostingError):
    """The platform said no, and asking again will not change that (a bad token, a text it
    will not take); the message is the platform's own."""

    def __init__(self, message: str, hint: str = "", answer: Answer | None = None):
        super().__init__(message, hint)
        self.answer = answer

    @property
    def error_name(self) -> str:
        """The platform's name for the error (XRPC's "error"), if its answer has one."""
        body = self.answer.body if self.answer is not None else None
        return str(body.get("error", "")) if isinstance(body, dict) else ""


class PlatformUnavailable(PostingError):
    """No sure answer from the platform (rate limited, down, unreachable): the post may or
    may not be there; the next attempt asks the platform before posting again."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: Any
    """The JSON body, or None if there is none (or it is not JSON)."""


@dataclass
class Api:
    """A platform's API at `base_url`. `message_of` finds the platform's message in an error
    answer; `retryable` says whether an error answer is worth asking again."""

    base_url: str
    label: str
    settings: PostingSettings
    message_of: Callable[[Answer], str]
    clock: Clock
    """The time a Retry-After date or a rate limit's reset is counted from."""
    retryable: Callable[[Answer], bool] = lambda answer: answer.status == 429 or \
        answer.status >= 500
    sleep: Callable[[float], None] = time.sleep
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(timeout=self.settings.timeout_seconds,
                                   headers={"User-Agent": "clinic-newsletter"})

    def close(self) -> None:
        self.client.close()

    def call(self, method: str, path: str, *, recheck: Callable[[], Any] | None = None,
             **request) -> Any:
        """The answer to `method path` (an `Answer` of status < 400). `recheck`, for a
        request that is not safe to repeat, is asked before repeating it after an answer
        that leaves it unsure whether the platform took it (a 5xx, a lost connection):
        whatever it returns other than None is returned instead."""
        url = self.base_url.rstrip("/") + path
        attempts = self.settings.retries + 1
        wait = self.settings.retry_wait_seconds
        for attempt in range(1, attempts + 1):
            unsure = True
            try:
                response = self.client.request(method, url, **request)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                problem, unsure = f"cannot reach {urlsplit(url).netloc}: {error}", False
                asked_wait = None
            except httpx.HTTPError as error:
                problem = f"no answer from {urlsplit(url).netloc}: {error.__class__.__name__}"
                asked_wait = None
            else:
                answer = Answer(response.status_code, response.headers, _json(response))
                if answer.status < 300 and isinstance(answer.body, (dict, list)):
                    return answer
                if answer.status < 400:  # a redirect, a web page: not the API we expect
                    raise PostRefused(f"{self.label} answered {answer.status} at {url_shown(url)}"
                                      " with something that is not its API's answer",
                                      hint=f"check {self.label}'s address in the settings")
                message = self.message_of(answer) or f"HTTP {answer.status}"
                if not self.retryable(answer):
                    raise PostRefused(f"{self.label} refused it: {_line(message)}",
                                      hint=f"HTTP {answer.status} from {self.label}",
                                      answer=answer)
                problem = f"{self.label} answered {answer.status}: {_line(message)}"
                unsure = answer.status >= 500
                asked_wait = retry_after(answer.headers, self.clock())
            if attempt == attempts:
                break
            pause = asked_wait if asked_wait is not None else wait
            if pause > self.settings.max_wait_seconds:
                raise PlatformUnavailable(f"{problem}; it asks to wait {pause:.0f} s",
                                          hint="try again later: nothing is posted twice")
            self.sleep(pause)
            wait *= 2
            if unsure and recheck is not None and (found := recheck()) is not None:
                return found
        raise PlatformUnavailable(f"{problem} (after {attempts} attempts)",
                                  hint="try again later: nothing is posted twice")


def url_shown(url: str) -> str:
    """The address without its query (a Graph API token may be in it)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def retry_after(headers: httpx.Headers, now: datetime) -> float | None:
    """How long after `now` the platform asks us to wait: Retry-After (seconds or an HTTP
    date), else the time its rate limit resets (Bluesky's RateLimit-Reset in epoch seconds,
    Mastodon's X-RateLimit-Reset as an ISO time)."""
    value = headers.get("retry-after")
    if value:
        if value.strip().isdigit():
            return float(value.strip())
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp()
                       - now.timestamp())
        except (TypeError, ValueError):
            return None
    reset = headers.get("ratelimit-reset") or headers.get("x-ratelimit-reset")
    if reset:
        try:
            at = float(reset) if reset.strip().isdigit() else \
                _iso_seconds(reset.strip())
        except ValueError:
            return None
        return max(0.0, at - now.timestamp())
    return None


def _iso_seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _line(message: str) -> str:
    return cut(one_line(str(message)), MESSAGE_MAX)
