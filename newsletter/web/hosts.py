"""Which names the web app answers to: a defence against DNS rebinding.

The staff pages on 127.0.0.1 need no password, so a web page on a stranger's domain that
resolves to 127.0.0.1 could otherwise read them (the subscriber list, a CSRF token) and post
forms from the clinic's own browser. Such a request still carries the stranger's name in its
Host header, so any name but the loopback ones, the host of `clinic.public_base_url` and
`[web] allowed_hosts` is refused with 400 before the app reads a cookie, a form or the
database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..common.settings import Settings

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_HOST = re.compile(r"(?P<name>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?", re.IGNORECASE)


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The names a Host header may carry, lowercase, IPv6 in brackets; any port goes."""
    public = urlsplit(settings.clinic.public_base_url).hostname or ""
    if ":" in public:
        public = f"[{public}]"
    return frozenset(name.lower() for name in (*LOOPBACK_NAMES, public,
                                               *settings.web.allowed_hosts) if name)


def host_name(header: str) -> str | None:
    """The name of a Host header (`Example.org:8000` -> `example.org`), None if malformed."""
    found = _HOST.fullmatch(header.strip())
    return found.group("name").lower() if found else None


class HostAllowList:
    """WSGI middleware: a request for another name never reaches the app."""

    def __init__(self, app, names: Iterable[str]):
        self.app, self.names = app, frozenset(names)

    def __call__(self, environ, start_response):
        header = environ.get("HTTP_HOST", "")
        if host_name(header) in self.names:
            return self.app(environ, start_response)
        body = (f"400 Bad Request: this server does not answer to the name {header[:100]!r}. "
                "Open it by its own address (http://127.0.0.1:PORT/ on this machine), or "
                "add the name to [web] allowed_hosts.\n").encode("utf-8", "replace")
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                           ("Content-Length", str(len(body))),
                                           ("X-Content-Type-Options", "nosniff"),
                                           ("Cache-Control", "no-store")])
        return [body]
