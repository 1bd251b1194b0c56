"""The databases the store's tests run on: a SQLite file always, and PostgreSQL too when
NEWSLETTER_TEST_DATABASE_URL names a server (CI starts one with .ci/postgres). Each
PostgreSQL case gets a database of its own, made when the test first asks for it and
dropped after, so no test sees another's rows.

A test file opts in with `pytestmark = pytest.mark.usefixtures("each_database")`; then every
clinic it sets up (sending_setup.make_clinic, web_setup.make_site) uses that case's database.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

SERVER_VARIABLE = "NEWSLETTER_TEST_DATABASE_URL"
"""A PostgreSQL URL whose user may create databases, e.g.
postgresql+psycopg://newsletter@127.0.0.1:5432/postgres."""
KINDS = ("sqlite", "postgresql")
SKIP_REASON = (f"PostgreSQL: set {SERVER_VARIABLE} to a server's URL to run these "
               "(.ci/postgres start DIR prints one)")

server: str | None = None
"""Read by conftest before it strips NEWSLETTER_* variables from the environment."""


class TestDatabase:
    """One test's database: a file in its folder, or a PostgreSQL database made on demand."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, kind: str, folder: Path):
        self.kind, self.folder = kind, folder
        self._name: str | None = None

    @property
    def url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / 'state.db'}"
        if self._name is None:
            self._name = f"test_{secrets.token_hex(6)}"
            self._admin(f'CREATE DATABASE "{self._name}"')
        return make_url(server).set(database=self._name).render_as_string(hide_password=False)

    @property
    def config_url(self) -> str:
        """As a clinic's newsletter.toml in `folder` says it (a relative SQLite path)."""
        return "sqlite:///state.db" if self.kind == "sqlite" else self.url

    def drop(self) -> None:
        """Connections a test left open (a killed process's, a pool's) go with it."""
        if self._name is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')

    @staticmethod
    def _admin(sql: str) -> None:
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()


def case(kind: str, folder: Path) -> TestDatabase:
    """A database of `kind` for a test (or a module's fixture) in `folder`; a PostgreSQL one
    is skipped, with the reason, when no server is given."""
    if kind == "postgresql" and server is None:
        pytest.skip(SKIP_REASON)
    return TestDatabase(kind, folder)


current: TestDatabase | None = None
"""The case under way in a test that opted in; None: SQLite as before."""


def config_url() -> str:
    """The database_url a clinic set up by this test writes in its config."""
    return current.config_url if current is not None else "sqlite:///state.db"
