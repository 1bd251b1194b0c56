"""The schema comes from Alembic migrations: new databases, databases made before migrations
existed, and two processes opening one new database at once, on SQLite and on PostgreSQL. A
change to the tables in `newsletter.db` without a migration fails here."""

import subprocess
import sys
from datetime import datetime, timezone

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
import pytest
from sqlalchemy import create_engine, insert, inspect, select

from newsletter.storage import db

pytestmark = pytest.mark.usefixtures("each_database")


def revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_the_revision_the_code_expects_is_the_newest_migration():
    assert db.SCHEMA_REVISION == ScriptDirectory.from_config(
        db.alembic_config()).get_current_head()


def migrated(url: str, to: str):
    """A database made by running the migrations up to revision `to`."""
    engine = create_engine(url)
    config = db.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, to)
    return engine


def test_the_migrations_make_exactly_the_tables_the_code_declares(each_database):
    engine = migrated(each_database.url, "head")
    assert revision(engine) == db.SCHEMA_REVISION
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], ("newsletter/db.py and the migrations differ: add a migration "
                               "(see alembic.ini)")


def test_a_new_database_gets_the_tables_and_the_newest_revision_at_once(each_database):
    engine = db.connect(each_database.url)
    assert revision(engine) == db.SCHEMA_REVISION
    assert set(inspect(engine).get_table_names()) == {*db.metadata.tables, "alembic_version"}


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_rows(each_database):
    url = each_database.url
    old = create_engine(url)
    with old.begin() as conn:  # the first version's tables, with no record of a revision
        config = db.alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, db.FIRST_REVISION)
        conn.exec_driver_sql("DROP TABLE alembic_version")
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with old.begin() as conn:
        conn.execute(insert(db.subscribers).values(
            email="kept@mail.example", name="Kept", tags=[], status="active", source="cli",
            created_at=now, updated_at=now))
    old.dispose()
    engine = db.connect(url)
    assert revision(engine) == db.SCHEMA_REVISION
    with engine.connect() as conn:
        assert conn.execute(select(db.subscribers.c.email)).scalars().all() == [
            "kept@mail.example"]
    assert db.connect(url) is not None, "opening it again changes nothing"


def test_processes_opening_one_new_database_at_once_take_turns(each_database):
    url = each_database.url
    opening = [subprocess.Popen([sys.executable, "-c",
                                 f"from newsletter.storage import db; db.connect({url!r})"],
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in opening]
    assert results == [(0, "")] * 4
    assert "subscribers" in inspect(create_engine(url)).get_table_names()


def test_a_database_at_the_first_revision_gains_the_article_pages_table(each_database):
    engine = migrated(each_database.url, "0001")
    assert "article_pages" not in inspect(engine).get_table_names()
    engine.dispose()
    upgraded = db.connect(each_database.url)
    assert revision(upgraded) == db.SCHEMA_REVISION
    assert "article_pages" in inspect(upgraded).get_table_names()


def test_an_issue_of_the_first_schema_gets_an_empty_note_and_no_feed_of_its_own(
        each_database):
    url = each_database.url
    old = migrated(url, "0001")
    with old.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO issues (slug, status, articles, subject, preheader, subject_override,"
            " preheader_override, html, text, warnings, created_at, updated_at) VALUES"
            " ('2026-11-01', 'draft', '[]', 'S', 'P', '', '', '<p>', 't', '[]',"
            " '2026-11-01 00:00:00', '2026-11-01 00:00:00')")
    old.dispose()
    from newsletter.storage.issues import Issues

    issue = Issues(db.connect(url)).by_slug("2026-11-01")
    assert (issue.subject, issue.note, issue.feed) == ("S", "", None)
