"""Shared fixtures: real stand-ins (a loopback HTTP server) rather than mocks."""

import os

import pytest

from .httpserver import FeedServer
from .platforms import FakeBluesky, FakeFacebook, FakeMastodon
from .posting_setup import Fakes
from .smtpserver import SmtpServer
from .web_setup import make_site


def pytest_configure(config):
    """A NEWSLETTER_* variable exported in the developer's shell (a real SMTP password, a
    staff password) must not change what a test sees: every test, and every process a test
    starts, runs without them and sets what it needs itself."""
    for name in [name for name in os.environ if name.startswith("NEWSLETTER_")]:
        del os.environ[name]


@pytest.fixture
def feed_server():
    """A fresh HTTP server on 127.0.0.1 and an ephemeral port; see tests/httpserver.py."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def fakes():
    """Fake Mastodon, Bluesky and Facebook servers on 127.0.0.1; see tests/platforms.py."""
    with FakeMastodon() as mastodon, FakeBluesky() as bluesky, FakeFacebook() as facebook:
        yield Fakes(mastodon, bluesky, facebook)


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def site(tmp_path):
    """The web app of a clinic in tmp_path, with Flask's test client; see tests/web_setup.py."""
    return make_site(tmp_path)
