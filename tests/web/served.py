"""A real `newsletter serve` process and real HTTP requests to it, with any Host header:
what a browser (or an attacker's page) really sends, with nothing of Flask's test client
in between."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
from contextlib import contextmanager

from ..helpers import NEWSLETTER, clean_env
from ..sending_setup import ENV


@contextmanager
def serving(config, port: int, env: dict | None = None):
    process = subprocess.Popen([NEWSLETTER, "serve", "--config", str(config), "--port",
                                str(port)], env=clean_env(env or ENV), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start listening"
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def request(port: int, host: str, path: str, method: str = "GET", body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, str, dict]:
    """A real HTTP request to 127.0.0.1 that says it is for `host`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), dict(
            response.getheaders())
    finally:
        connection.close()
