"""The database: every table in one place, and an engine tuned for a process that may be
killed at any moment (WAL, synchronous=NORMAL) and for connections that go stale."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (JSON, BigInteger, Column, Connection, DateTime, Engine, Float,
                        ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        TypeDecorator, create_engine, event, func, insert, inspect, select)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..common.errors import StoreError
from . import database_file

metadata = MetaData()
T = TypeVar("T")


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) too."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


feeds = Table(
    "feeds", metadata,
    Column("source", String(2000), primary_key=True),
    Column("url", String(2000), nullable=False),  # where it is fetched now (after a move)
    Column("etag", String(500)),
    Column("last_modified", String(200)),
    Column("retired_at", UTCDateTime()),
    Column("retired_reason", Text),
    Column("last_ok_at", UTCDateTime()),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("last_error", Text),
)

seen_articles = Table(
    "seen_articles", metadata,
    Column("key", String(2000), primary_key=True),  # an article id or its normalized link
    Column("article_id", String(2000), nullable=False),
    Column("title", Text, nullable=False),
    Column("issue_slug", String(100)),  # None: known from a first run, never mailed
    Column("seen_at", UTCDateTime(), nullable=False),
)

issues = Table(
    "issues", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("status", String(20), nullable=False),  # draft, held, approved, sending, sent
    Column("articles", JSON, nullable=False),
    Column("subject", Text, nullable=False),
    Column("preheader", Text, nullable=False),
    Column("subject_override", Text, nullable=False, default=""),
    Column("preheader_override", Text, nullable=False, default=""),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("note", Text, nullable=False, default="", server_default=""),  # staff's, above the articles
    Column("feed", String(2000)),  # built with `build --feed`: the feed it keeps using
    Column("held_reason", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("approved_by", String(200)),
    Column("approved_at", UTCDateTime()),
    Column("sent_at", UTCDateTime()),
)


subscribers = Table(
    "subscribers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),  # normalized, lowercase ASCII
    Column("name", String(200), nullable=False, default=""),
    Column("tags", JSON, nullable=False, default=list),
    # pending (not yet confirmed), active, unsubscribed, bounced, complained
    Column("status", String(20), nullable=False),
    Column("source", String(20), nullable=False),  # import, cli, web
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("confirmed_at", UTCDateTime()),
    Column("unsubscribed_at", UTCDateTime()),
)
Index("subscribers_by_status", subscribers.c.status, subscribers.c.id)

deliveries = Table(
    "deliveries", metadata,
    Column("issue_id", Integer, ForeignKey("issues.id"), primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id"), primary_key=True),
    Column("status", String(20), nullable=False),  # sent, failed, skipped, deferred
    Column("attempts", Integer, nullable=False, default=1),  # runs that tried it
    Column("error", Text),
    Column("at", UTCDateTime(), nullable=False),  # when settled; deferred: when first deferred
    sqlite_with_rowid=False,  # one B-tree, not two: half the pages written per commit
)

send_runs = Table(
    "send_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issue_id", Integer, ForeignKey("issues.id"), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    # running, complete, paused, incomplete, failed (an error ended it), interrupted
    Column("outcome", String(20), nullable=False),
    Column("sent", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("deferred", Integer, nullable=False, default=0),
    Column("seconds", Float, nullable=False, default=0.0),
    Column("note", Text),
)

send_claims = Table(
    "send_claims", metadata,  # which sender serves whom while an issue is being sent
    Column("issue_id", Integer, ForeignKey("issues.id"), primary_key=True),
    Column("subscriber_id", Integer, primary_key=True),
    Column("worker", String(300), nullable=False),  # pid@host and a random nonce
    Column("heartbeat_at", UTCDateTime(), nullable=False),
)
Index("send_claims_by_worker", send_claims.c.worker)

locks = Table(
    "locks", metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(300), nullable=False),  # pid@host and a random nonce
    Column("pid", Integer, nullable=False),
    Column("host", String(255), nullable=False),
    # who the holder is beyond its pid (storage/process.py); NULL where there is no /proc
    Column("boot_id", String(100)),
    Column("pid_namespace", String(100)),
    Column("process_start", BigInteger),
    Column("purpose", Text, nullable=False),
    Column("acquired_at", UTCDateTime(), nullable=False),
    Column("heartbeat_at", UTCDateTime(), nullable=False),
)

schedule_runs = Table(
    "schedule_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(100), nullable=False),  # the schedule file's name, no .toml
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    # running, sent, incomplete, nothing new, held, busy, failed, error, missed,
    # skipped (the previous run was still going), interrupted (its process died), exported,
    # posted
    Column("outcome", String(20), nullable=False),
    Column("slot", UTCDateTime()),  # the slot a run was for (None: run by hand)
    # the slot on the schedule's wall clock, e.g. 2026-11-01T01:30: one run per local slot,
    # even in the hour that repeats when the clocks go back
    Column("slot_key", String(40)),
    Column("issue_slug", String(100)),
    Column("note", Text),
    Index("ix_schedule_runs_one_per_slot", "schedule", "slot_key", unique=True),
)

feed_alerts = Table(
    "feed_alerts", metadata,
    Column("source", String(2000), primary_key=True),  # a row: staff were alerted
    Column("alerted_at", UTCDateTime(), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("reason", Text, nullable=False),
)

article_pages = Table(
    "article_pages", metadata,  # a blog read without a feed: each article page read
    Column("url", String(2000), primary_key=True),
    Column("etag", String(500)),
    Column("last_modified", String(200)),
    Column("article", JSON),  # the article it was read as, to reuse on a 304
    Column("read_at", UTCDateTime(), nullable=False),
)

evergreen_sends = Table(
    "evergreen_sends", metadata,
    Column("link", String(2000), primary_key=True),  # the article's normalized link
    Column("last_sent_at", UTCDateTime(), nullable=False),
    Column("issue_slug", String(100), nullable=False),
    Column("times", Integer, nullable=False, default=1),
)

clicks = Table(
    "clicks", metadata,  # clicks on each article link of an issue, counted, never by whom
    Column("issue_id", Integer, ForeignKey("issues.id"), primary_key=True),
    Column("article", Integer, primary_key=True),  # the article's place in the issue, from 1
    Column("clicks", Integer, nullable=False, default=0),
)

posts = Table(
    "posts", metadata,  # the social posting ledger: one row per article and platform
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(2000), nullable=False),
    Column("platform", String(30), nullable=False),
    Column("issue_id", Integer, ForeignKey("issues.id"), nullable=False),
    Column("text_hash", String(64), nullable=False),  # sha256 of the text that goes out
    Column("key", String(100), nullable=False),  # Idempotency-Key or record key, kept to resume
    Column("status", String(20), nullable=False),  # posting, posted, failed
    Column("post_id", String(300)),
    Column("url", String(2000)),
    Column("error", Text),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("posted_at", UTCDateTime()),
)
Index("posts_once", posts.c.article_id, posts.c.platform, unique=True)
Index("posts_by_issue", posts.c.issue_id)


def record(cls: type[T], row) -> T | None:
    """A row as the frozen record `cls`, by its field names (the row may hold more)."""
    if row is None:
        return None
    return cls(**{field.name: row._mapping[field.name] for field in dataclasses.fields(cls)})


def connect(url: str) -> Engine:
    """An engine on a database with the newest schema. SQLite gets WAL and a busy timeout
    so a reader never blocks the sender and two processes wait for each other instead of
    failing. Messages name the database without its password."""
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except ImportError as error:
        raise StoreError(f"cannot use the database {_shown(url)!r}: its driver is not "
                         f"installed ({error.name})",
                         hint="for PostgreSQL: pip install 'clinic-newsletter[postgres]'"
                         ) from None
    except (SQLAlchemyError, ValueError) as error:
        raise StoreError(f"cannot use the database {_shown(url)!r}: {error}",
                         hint="set store.database_url, e.g. sqlite:///newsletter.db") from None
    path = database_file.sqlite_file(url)
    if path is not None:
        database_file.prepare(path)  # a file that is there is never replaced
    database_file.explain_faults(engine, str(path) if path else repr(_shown(url)), path)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        upgrade(engine)
    except SQLAlchemyError as error:
        # one line: PostgreSQL's driver adds a second ("Is the server running on that host
        # ...?"), which would end a log line or a run's note halfway
        reason = " ".join(str(error.orig if hasattr(error, 'orig') else error).split())[:200]
        raise StoreError(f"cannot open the database {_shown(url)!r}: "
                         f"{error.__class__.__name__}: {reason}",
                         hint=_open_hint(reason, is_file=path is not None)) from None
    return engine


def _open_hint(reason: str, *, is_file: bool) -> str:
    """The faults of a SQLite file have their own hints (database_file); these are the rest."""
    if "locked" in reason:
        return "another process holds it: run it again when that one is done"
    return "" if is_file else "check store.database_url, and that the database server is running"


def _shown(url: str) -> str:
    """The URL for a message: never its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "(an unreadable URL)"


MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_REVISION = "0007"
"""The newest migration in migrations/versions/ (a test keeps the two in step)."""
FIRST_REVISION = "0001"
"""The schema `metadata.create_all` made before there were migrations."""
UPGRADE_LOCK_KEY = 0x6E6C7472  # "nltr": PostgreSQL's advisory lock around an upgrade


_version_table = Table("alembic_version", MetaData(),
                       Column("version_num", String(32), primary_key=True))
"""Alembic's record of the revision, as Alembic makes it."""


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that reads, then writes what it read: on SQLite it takes the write
    lock at once (BEGIN IMMEDIATE), so two processes wait their turn instead of one failing
    when both would upgrade their read to a write."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema. A new database gets today's tables at once
    and is stamped with the newest revision (Alembic's advice for a fresh database); an
    older one gets the migrations it lacks, and one made before migrations existed is first
    stamped with the first revision. A database already there costs two small queries, and
    Alembic is imported only to migrate (it adds a tenth of a second and 11 MB to a process).
    Processes opening a new database at once take turns instead of all creating the tables:
    on SQLite this holds the write lock (BEGIN IMMEDIATE), on PostgreSQL an advisory lock
    for the transaction (DDL there waits on no table lock that would keep them apart)."""
    with engine.connect() as conn:
        if _revision(conn) == SCHEMA_REVISION:
            return
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(UPGRADE_LOCK_KEY)))
        current = _revision(conn)
        if current == SCHEMA_REVISION:
            return  # another process got there first
        if current is None and not inspect(conn).has_table("issues"):
            metadata.create_all(conn)
            _version_table.create(conn)
            conn.execute(insert(_version_table).values(version_num=SCHEMA_REVISION))
            return
        _migrate(conn, stamp_first=current is None)


def _migrate(conn, *, stamp_first: bool) -> None:
    from alembic import command  # only when there is something to migrate

    config = alembic_config()
    config.attributes["connection"] = conn
    if stamp_first:
        command.stamp(config, FIRST_REVISION)
    command.upgrade(config, "head")


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _revision(conn) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(select(_version_table.c.version_num)).scalar()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
