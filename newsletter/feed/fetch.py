"""Get a feed's bytes from the web or from disk: the only module that talks HTTP.

The parser is handed bytes, never a URL, because feedparser's own fetching has no timeout.
Every failure of the network or the server becomes a FeedError that names the address and
the cause in plain words; no httpx exception gets out.
"""

from __future__ import annotations

import functools
import os
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname
from urllib.robotparser import RobotFileParser

import certifi
import httpx

from ..common.errors import FeedError
from ..common.i18n import Phrase

MAX_REDIRECTS = 5
PERMANENT_REDIRECTS = {301, 308}
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
ROBOT_NAME = "clinic-newsletter"
"""The name robots.txt rules can address this tool by."""


def user_agent(website: str = "") -> str:
    """Names the tool, its version and whose newsletter is reading, so that a site's owner
    can tell who asks and why."""
    try:
        number = version("clinic-newsletter")
    except PackageNotFoundError:
        number = "dev"
    return f"{ROBOT_NAME}/{number} (blog-to-newsletter reader{'; +' + website if website else ''})"


class FeedGone(FeedError):
    """The server said 410 Gone: the feed is retired and will not be fetched again."""


@dataclass(frozen=True)
class FetchResult:
    """What came back, plus what the caller must remember for the next fetch."""

    body: bytes | None  # None when the server said 304 Not Modified
    url: str  # where the body finally came from (after redirects)
    moved_to: str | None  # set only when every redirect was permanent: the address to remember
    etag: str | None
    last_modified: str | None
    content_type: str | None  # feedparser needs the charset from here

    @property
    def not_modified(self) -> bool:
        return self.body is None


def fetch(source: str, *, etag: str | None = None, last_modified: str | None = None,
          timeout: float = 10.0, max_bytes: int = 10_000_000,
          user_agent: str = ROBOT_NAME, accept: str = ACCEPT) -> FetchResult:
    """Fetch `source` (http(s) URL, file:// URL or path), conditionally when validators are given."""
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return _fetch_http(source, etag, last_modified, timeout, max_bytes, user_agent, accept)
    if scheme == "file":
        return _read_file(url2pathname(urlsplit(source).path), max_bytes)
    if len(scheme) <= 1:  # no scheme, or a Windows drive letter
        return _read_file(source, max_bytes)
    raise FeedError("%(source)s: cannot fetch %(scheme)s: addresses, only http(s) and files",
                    source=source, scheme=scheme,
                    hint="Set the feed address to an http:// or https:// URL or a file path.")


def _read_file(path: str, max_bytes: int) -> FetchResult:
    path = os.path.abspath(path)
    try:
        with open(path, "rb") as file:
            body = file.read(max_bytes + 1)
    except OSError as error:
        raise FeedError("%(path)s: cannot read the feed file (%(why)s)", path=path,
                        why=error.strerror or error,
                        hint="Check the feed path in the config (a web address needs http:// or https://).") from None
    if len(body) > max_bytes:
        raise _too_big(path, max_bytes)
    return FetchResult(body, path, None, None, None, None)


def _fetch_http(url, etag, last_modified, timeout, max_bytes, user_agent, accept) -> FetchResult:
    headers = {"User-Agent": user_agent, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag.encode()  # bytes: a non-ASCII validator must not crash
    if last_modified:
        headers["If-Modified-Since"] = last_modified.encode()
    # trust_env=False: proxies and certificates come from the settings, never from os.environ.
    client = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True,
                          max_redirects=MAX_REDIRECTS, trust_env=False, verify=_tls())
    deadline = time.monotonic() + timeout  # httpx bounds each read, not a slow drip of many
    try:
        with client, client.stream("GET", url, headers=headers) as response:
            _check_status(url, response)
            if int(response.headers.get("Content-Length") or 0) > max_bytes:
                raise _too_big(url, max_bytes)
            body = None
            if response.status_code != 304:
                chunks, size = [], 0
                for chunk in response.iter_bytes():  # decoded: a gzip bomb counts at full size
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_big(url, max_bytes)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("whole-request deadline passed")
                    chunks.append(chunk)
                body = b"".join(chunks)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        message, hint = _explain(error, timeout)
        raise FeedError(Phrase("%(url)s: %(why)s", url=url, why=message), hint=hint) from error
    final = str(response.url)
    permanent = response.history and all(r.status_code in PERMANENT_REDIRECTS for r in response.history)
    headers = response.headers
    return FetchResult(body, final, final if permanent else None,
                       headers.get("ETag", etag if body is None else None),
                       headers.get("Last-Modified", last_modified if body is None else None),
                       headers.get("Content-Type"))


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's own trust (certifi's roots), made once: building it takes longer than
    fetching a page from a nearby server, and a blog without a feed is many pages."""
    return ssl.create_default_context(cafile=certifi.where())


def _check_status(url: str, response: httpx.Response) -> None:
    status = response.status_code
    where = url if str(response.url) == url else Phrase("%(url)s (redirected to %(final)s)",
                                                        url=url, final=str(response.url))
    if status == 410:
        raise FeedGone("%(where)s: the server says the feed is gone (410)", where=where,
                       hint="The site has retired this feed; set a new feed address in the config.")
    if 200 <= status < 300 or status == 304:
        return
    reason = response.reason_phrase or httpx.codes.get_reason_phrase(status)
    hint = (Phrase("The site has a problem on its side; the next run will try again.")
            if status >= 500 else Phrase("Check the feed address in the config; open it in a "
                                         "browser to see what it serves."))
    raise FeedError(Phrase("%(where)s: the server answered %(status)d %(reason)s", where=where,
                           status=status, reason=reason) if reason else
                    Phrase("%(where)s: the server answered %(status)d", where=where,
                           status=status), hint=hint)


def _explain(error: Exception, timeout: float) -> tuple[str, str]:
    """Turn an httpx exception into a plain-words cause and a hint."""
    if isinstance(error, httpx.TimeoutException):
        return (Phrase("timed out after %(seconds)s s", seconds=f"{timeout:g}"),
                Phrase("The site is slow or down; the next run will try again."))
    if isinstance(error, httpx.TooManyRedirects):
        return (Phrase("too many redirects (more than %(most)d), perhaps a loop",
                       most=MAX_REDIRECTS),
                Phrase("Open the address in a browser and put the final one in the config."))
    if isinstance(error, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return (Phrase("not a usable http(s) address (%(why)s)", why=error),
                Phrase("Check the feed address in the config."))
    cause = error
    for _ in range(10):  # the OSError that httpcore wrapped says what really happened
        cause = cause.__cause__ or cause.__context__ or cause
    if isinstance(cause, ConnectionRefusedError):
        return (Phrase("connection refused"), Phrase("Nothing answers at that address; check "
                                                     "the URL and that the site is up."))
    if isinstance(cause, socket.gaierror):
        return (Phrase("the host name could not be found (%(why)s)", why=cause.strerror or cause),
                Phrase("Check the spelling of the feed address and this machine's internet "
                       "connection."))
    if isinstance(cause, ssl.SSLError):
        return (Phrase("the secure (TLS) connection failed (%(why)s)", why=cause.reason or cause),
                Phrase("Check the address (https or http); the site's certificate may be "
                       "broken."))
    return (Phrase("the connection failed (%(why)s)", why=error or type(error).__name__),
            Phrase("The site or the network had a problem; the next run will try again."))


def _too_big(where: str, max_bytes: int) -> FeedError:
    return FeedError("%(where)s: the feed is larger than the limit of %(most)s bytes",
                     where=where, most=f"{max_bytes:,}",
                     hint="Check that the address points at the feed itself, not a large file.")


class Robots:
    """Each host's robots.txt, read once per run and obeyed for the pages of a blog read
    without a feed. A robots.txt that cannot be had (none, an error) forbids nothing."""

    def __init__(self, fetcher: Callable[..., FetchResult], *, timeout: float, agent: str):
        self._fetcher, self._timeout, self._agent = fetcher, timeout, agent
        self._rules: dict[str, RobotFileParser | None] = {}

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return True
        host = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        if host not in self._rules:
            self._rules[host] = self._read(host + "/robots.txt")
        rules = self._rules[host]
        return rules is None or rules.can_fetch(ROBOT_NAME, url)

    def _read(self, url: str) -> RobotFileParser | None:
        try:
            result = self._fetcher(url, timeout=self._timeout, user_agent=self._agent,
                                   accept="text/plain, */*;q=0.5")
        except FeedError:
            return None
        if not result.body:
            return None
        rules = RobotFileParser(url)
        rules.parse(result.body.decode("utf-8", "replace").splitlines())
        return rules
