"""build_next_issue against a real SQLite file and, for the HTTP cases, a real HTTP server."""

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsletter.common.errors import FeedError
from newsletter.feed.fetch import FeedGone
from newsletter.common.settings import Settings
from newsletter.feed.fetch import fetch
from newsletter.issue.build import build_next_issue
from newsletter.storage.store import Store

from ..helpers import item, rss

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)


def configure(tmp_path: Path, source: str, **issue) -> Settings:
    base = Settings(base_dir=tmp_path)
    return dataclasses.replace(
        base, feed=dataclasses.replace(base.feed, source=source, timeout_seconds=2.0),
        issue=dataclasses.replace(base.issue, **issue),
        store=dataclasses.replace(base.store, database_url="sqlite:///state.db"))


@pytest.fixture
def feed_file(tmp_path):
    path = tmp_path / "feed.xml"

    def write(items):
        path.write_bytes(rss(items))
        return str(path)

    return write


def build(settings, store, now=NOW, **kwargs):
    return build_next_issue(settings, store, now=now, **kwargs)


def test_first_run_on_the_sample_mails_only_the_latest_burst(tmp_path):
    settings = configure(tmp_path, "sample")
    store = Store.open(settings.database_url)
    outcome = build(settings, store)
    titles = [a.title for a in outcome.issue.articles]
    assert titles == ["Can Acupuncture Help With Back Pain?",
                      "Concussion Recovery: Stages and a Realistic Timeline",
                      "How to Prevent Football Injuries"]
    assert outcome.issue.status == "draft"
    assert outcome.issue.slug == "2026-11-27"
    assert any("8 older article(s) are remembered" in w for w in outcome.warnings)
    assert len({k for k in store.seen_keys()}) >= 8


def test_building_again_gives_the_same_open_issue(tmp_path):
    settings = configure(tmp_path, "sample")
    store = Store.open(settings.database_url)
    first = build(settings, store)
    second = build(settings, store, now=NOW.replace(hour=18))
    assert second.issue.id == first.issue.id
    assert second.issue.slug == first.issue.slug
    assert second.issue.articles == first.issue.articles
    assert second.rendered.html == first.rendered.html


@pytest.mark.parametrize("feed_changed", [False, True])
def test_a_send_that_starts_while_the_feed_is_fetched_keeps_its_issue(
        tmp_path, feed_file, feed_changed):
    """A preview rebuilds the open issue while a send may begin: the rebuild must neither
    rewrite the issue being sent nor put a newer draft in front of it."""
    settings = configure(tmp_path, feed_file([item(1, 20), item(2, 21)]))
    store = Store.open(settings.database_url)
    sending = build(settings, store).issue
    if feed_changed:
        feed_file([item(1, 20), item(2, 21), item(3, 26)])

    def send_begins_meanwhile(url, **kwargs):
        result = fetch(url, **kwargs)
        assert store.issues.freeze(sending, now=NOW)
        return result

    outcome = build(settings, store, now=NOW.replace(hour=18), fetcher=send_begins_meanwhile)
    assert outcome.issue.id == sending.id and outcome.issue.status == "sending"
    assert outcome.issue.articles == sending.articles and outcome.rendered.html == sending.html
    assert store.issues.open().id == sending.id, "a resumed send finds the same issue"


def test_after_a_send_only_new_articles_make_the_next_issue(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20), item(2, 21)]))
    store = Store.open(settings.database_url)
    first = build(settings, store)
    assert [a.id for a in first.issue.articles] == ["post-2", "post-1"]
    store.issues.complete(first.issue.id, now=NOW)
    assert build(settings, store).issue is None
    feed_file([item(1, 20), item(2, 21), item(3, 26)])
    third = build(settings, store)
    assert [a.id for a in third.issue.articles] == ["post-3"]
    assert third.issue.slug == "2026-11-27-2"  # a sent issue already holds the day's slug


def test_an_edited_article_that_was_sent_is_not_new(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20)]))
    store = Store.open(settings.database_url)
    store.issues.complete(build(settings, store).issue.id, now=NOW)
    feed_file([item(1, 20, title="Article number 1 (updated)", summary="Rewritten teaser.")])
    assert build(settings, store).issue is None


def test_a_new_guid_on_an_old_link_is_not_new(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20)]))
    store = Store.open(settings.database_url)
    store.issues.complete(build(settings, store).issue.id, now=NOW)
    path = Path(settings.feed_source)
    path.write_bytes(path.read_bytes().replace(b">post-1</guid>", b">urn:new-scheme:1</guid>"))
    assert build(settings, store).issue is None


def test_flood_guard_holds_a_burst_of_new_articles(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 1)]), flood_threshold=5,
                         articles_per_issue=4)
    store = Store.open(settings.database_url)
    store.issues.complete(build(settings, store).issue.id, now=NOW)
    feed_file([item(1, 1)] + [item(n, 10 + n) for n in range(2, 10)])
    outcome = build(settings, store)
    assert outcome.issue.status == "held"
    assert len(outcome.issue.articles) == 4
    assert any(w.startswith("flood guard: 8 new articles") for w in outcome.warnings)
    assert outcome.issue.held_reason.startswith("flood guard")
    assert any("4 more new article(s) wait" in w for w in outcome.warnings)


def test_nothing_new_builds_nothing_and_drops_a_stale_draft(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20)]))
    store = Store.open(settings.database_url)
    assert build(settings, store).issue is not None
    feed_file([])
    assert build(settings, store).issue is None
    assert store.issues.open() is None


def test_approval_survives_a_rebuild_but_not_a_change_of_content(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20)]))
    store = Store.open(settings.database_url)
    issue = build(settings, store).issue
    store.issues.approve(issue.id, by="frontdesk", now=NOW)
    again = build(settings, store).issue
    assert (again.id, again.status, again.approved_by) == (issue.id, "approved", "frontdesk")
    feed_file([item(1, 20), item(2, 22)])
    changed = build(settings, store).issue
    assert changed.status == "draft" and changed.approved_by is None
    assert [a.id for a in changed.articles] == ["post-2", "post-1"]


def test_subject_given_by_staff_is_kept_across_rebuilds(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20)]))
    store = Store.open(settings.database_url)
    build(settings, store, subject="Winter news from the clinic")
    assert build(settings, store).issue.subject == "Winter news from the clinic"


def test_an_issue_being_sent_is_never_rebuilt(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20)]))
    store = Store.open(settings.database_url)
    issue = build(settings, store).issue
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE issues SET status='sending' WHERE id=?", (issue.id,))
    Path(settings.feed_source).unlink()  # the feed is not even read
    resumed = build(settings, store)
    assert resumed.issue.id == issue.id and resumed.issue.articles == issue.articles


def test_the_slug_is_the_clinics_local_date(tmp_path, feed_file):
    settings = configure(tmp_path, feed_file([item(1, 20)]))
    store = Store.open(settings.database_url)
    late_evening_in_missouri = datetime(2026, 11, 30, 3, 30, tzinfo=timezone.utc)
    assert build(settings, store, now=late_evening_in_missouri).issue.slug == "2026-11-29"


# --- over HTTP ------------------------------------------------------------------------------

def test_conditional_get_304_keeps_the_open_issue(tmp_path, feed_server):
    feed_server.route("/feed.xml", body=rss([item(1, 20)]), headers={"ETag": '"v1"'})
    settings = configure(tmp_path, feed_server.url("/feed.xml"))
    store = Store.open(settings.database_url)
    first = build(settings, store)
    feed_server.route("/feed.xml", status=304, body=b"")
    second = build(settings, store)
    assert feed_server.requests_to("/feed.xml")[-1].headers.get("If-None-Match") == '"v1"'
    assert second.issue.id == first.issue.id
    assert "the feed has not changed since the last run" in second.warnings


def test_a_304_with_no_open_issue_means_nothing_new(tmp_path, feed_server):
    feed_server.route("/feed.xml", body=rss([item(1, 20)]), headers={"ETag": '"v1"'})
    settings = configure(tmp_path, feed_server.url("/feed.xml"))
    store = Store.open(settings.database_url)
    store.issues.complete(build(settings, store).issue.id, now=NOW)
    feed_server.route("/feed.xml", status=304, body=b"")
    assert build(settings, store).issue is None


def test_a_permanent_move_is_remembered(tmp_path, feed_server):
    feed_server.redirect("/old.xml", to="/new.xml", status=301)
    feed_server.route("/new.xml", body=rss([item(1, 20)]))
    settings = configure(tmp_path, feed_server.url("/old.xml"))
    store = Store.open(settings.database_url)
    outcome = build(settings, store)
    assert any("moved permanently" in w for w in outcome.warnings)
    build(settings, store)
    assert len(feed_server.requests_to("/old.xml")) == 1  # the second run went straight there
    assert len(feed_server.requests_to("/new.xml")) == 2


def test_410_retires_the_feed_for_good(tmp_path, feed_server):
    feed_server.route("/feed.xml", status=410, body=b"gone")
    settings = configure(tmp_path, feed_server.url("/feed.xml"))
    store = Store.open(settings.database_url)
    with pytest.raises(FeedGone):
        build(settings, store)
    with pytest.raises(FeedGone, match="retired"):
        build(settings, store)
    assert len(feed_server.requests_to("/feed.xml")) == 1


def test_failures_are_counted_and_a_success_resets_them(tmp_path, feed_server):
    feed_server.route("/feed.xml", status=500, body=b"oops")
    settings = configure(tmp_path, feed_server.url("/feed.xml"))
    store = Store.open(settings.database_url)
    for _ in range(3):
        with pytest.raises(FeedError):
            build(settings, store)
    record = store.feed(settings.feed_source)
    assert record.consecutive_failures == 3 and "500" in record.last_error
    feed_server.route("/feed.xml", body=rss([item(1, 20)]))
    build(settings, store)
    assert store.feed(settings.feed_source).consecutive_failures == 0


def test_an_html_page_instead_of_a_feed_is_counted_as_a_failure(tmp_path, feed_server):
    feed_server.route("/blog", body=b"<!DOCTYPE html><html><head><title>Blog</title></head></html>",
                      headers={"Content-Type": "text/html"})
    settings = configure(tmp_path, feed_server.url("/blog"))
    store = Store.open(settings.database_url)
    with pytest.raises(FeedError, match="no feed, and no articles found on the page"):
        build(settings, store)
    assert store.feed(settings.feed_source).consecutive_failures == 1
