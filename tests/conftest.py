"""Shared fixtures: real stand-ins (a loopback HTTP server) rather than mocks."""

import pytest

from .httpserver import FeedServer
from .smtpserver import SmtpServer


@pytest.fixture
def feed_server():
    """A fresh HTTP server on 127.0.0.1 and an ephemeral port; see tests/httpserver.py."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def smtp():
    """A fresh SMTP server (aiosmtpd) on 127.0.0.1; see tests/smtpserver.py."""
    with SmtpServer() as server:
        yield server
