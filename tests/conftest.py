"""Shared fixtures: real stand-ins (a loopback HTTP server) rather than mocks."""

import os

import pytest

from . import database
from .httpserver import FeedServer
from .platforms import FakeBluesky, FakeFacebook, FakeMastodon
from .posting_setup import Fakes
from .smtpserver import SmtpServer
from .web_setup import make_site


def pytest_configure(config):
    """A NEWSLETTER_* variable exported in the developer's shell (a real SMTP password, a
    staff password) must not change what a test sees: every test, and every process a test
    starts, runs without them and sets what it needs itself. The one exception, the test
    PostgreSQL server's URL, is read first (tests/database.py)."""
    database.server = os.environ.get(database.SERVER_VARIABLE) or None
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


@pytest.fixture(params=database.KINDS)
def each_database(request, tmp_path):
    """The test once on SQLite and once on PostgreSQL (skipped, with the reason, when no
    server is given); every clinic the test sets up uses this database."""
    case = database.case(request.param, tmp_path)
    database.current = case
    try:
        yield case
    finally:
        database.current = None
        case.drop()
