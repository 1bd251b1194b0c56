"""A real HTTP server on 127.0.0.1 for tests: routes with canned answers, and a record of requests.

Real sockets instead of mocks, so timeouts, gzip, redirects and refused connections behave as
they do on the internet. Use it through the `feed_server` fixture, or as a context manager:

    with FeedServer() as server:
        server.route("/feed.xml", body=b"<rss/>", headers={"ETag": '"v1"'})
        fetch(server.url("/feed.xml"))
        server.requests[-1].headers["User-Agent"]
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Route:
    """A canned answer. `delay` waits before the headers; `drip` waits between 16 body pieces."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    delay: float = 0.0
    drip: float = 0.0


@dataclass
class Exchange:
    """One request as the server saw it, and the status and headers it sent back."""

    method: str
    path: str
    headers: dict[str, str]
    status: int = 0
    sent_headers: dict[str, str] = field(default_factory=dict)
    sent_body: bytes = b""


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Exchange] = []
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str = "/") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def route(self, path: str, status: int = 200, body: bytes | str = b"", **options) -> Route:
        """Answer GETs of `path` (query ignored); registering again replaces the answer."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(status, body, **options)
        return self.routes[path]

    def redirect(self, path: str, to: str, status: int = 301) -> Route:
        """Redirect `path` to `to` (a path on this server or a full URL)."""
        return self.route(path, status, headers={"Location": to if "://" in to else self.url(to)})

    def requests_to(self, path: str) -> list[Exchange]:
        return [exchange for exchange in self.requests if exchange.path == path]

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers that are sleeping through a `delay` or `drip`
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # an idle keep-alive connection must not hold a thread forever

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            exchange = Exchange(self.command, path, dict(self.headers.items()))
            server.requests.append(exchange)
            route = server.routes.get(path) or Route(404, b"no such route\n")
            if route.delay and server._stopping.wait(route.delay):
                return
            body = gzip.compress(route.body) if route.gzip else route.body
            headers = {"Content-Length": str(len(body)), **route.headers}
            if route.gzip:
                headers["Content-Encoding"] = "gzip"
            exchange.status, exchange.sent_headers, exchange.sent_body = route.status, headers, body
            self.send_response(route.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if route.status == 304 or not body:
                return
            if not route.drip:
                self.wfile.write(body)
                return
            piece = max(1, -(-len(body) // 16))
            for start in range(0, len(body), piece):
                self.wfile.write(body[start:start + piece])
                self.wfile.flush()
                if server._stopping.wait(route.drip):
                    return

        def log_message(self, format, *args) -> None:
            pass  # keep pytest output clean

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except (ConnectionError, TimeoutError):
                self.close_connection = True  # the client gave up (e.g. its timeout): expected

    return Handler
