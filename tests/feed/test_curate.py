"""curate: first runs mail the newest few and remember the rest; the flood guard is for an
established feed; a backlog never turns into weeks of stale issues."""

from datetime import datetime, timedelta, timezone

from newsletter.common.model import Article
from newsletter.feed.curate import curate

NOW = datetime(2026, 11, 27, 15, tzinfo=timezone.utc)


def daily(count, *, start=NOW - timedelta(hours=2)):
    """A blog that posts every day: `count` posts, the newest first."""
    return [Article(id=f"post-{n}", title=f"Post {n}",
                    url=f"https://daily.example/posts/{n}", summary="A post.",
                    published=start - timedelta(days=n))
            for n in range(count)]


def run(articles, *, seen=(), first_run=False, cap=6, flood=8, window=45, backlog=60,
        open_ids=()):
    return curate(articles, seen=set(seen), first_run=first_run, now=NOW, window_days=window,
                  cap=cap, flood_threshold=flood, backlog_max_days=backlog,
                  open_ids=open_ids)


def test_a_first_run_on_a_daily_blog_mails_the_newest_few_and_remembers_the_rest():
    posts = daily(23)
    selection = run(posts, first_run=True)
    assert [a.id for a in selection.articles] == [f"post-{n}" for n in range(6)]
    assert not selection.held
    assert {a.id for a in selection.baseline} == {f"post-{n}" for n in range(6, 23)}
    assert not any("wait for the next issue" in w for w in selection.warnings)
    assert not any("flood guard" in w for w in selection.warnings)
    assert any("17 older article(s) are remembered" in w for w in selection.warnings)


def test_after_a_first_run_nothing_of_the_old_posts_is_queued():
    posts = daily(23)
    first = run(posts, first_run=True)
    seen = {key for a in first.articles + first.baseline for key in a.keys}
    assert run(posts, seen=seen).articles == ()


def test_the_flood_guard_holds_an_established_feed_that_suddenly_shows_many_new_articles():
    posts = daily(12)
    selection = run(posts, seen={"https://daily.example/nothing"})
    assert selection.held
    assert len(selection.articles) == 6
    assert any(w.startswith("flood guard: 12 new articles") for w in selection.warnings)
    assert any("6 more new article(s) wait" in w for w in selection.warnings)


def test_articles_past_the_backlog_age_leave_the_queue_with_a_note():
    recent, old = daily(2), daily(3, start=NOW - timedelta(days=70))
    old = [Article(id=f"old-{n}", title=f"Old {n}", url=f"https://daily.example/old/{n}",
                   summary="Old.", published=a.published) for n, a in enumerate(old)]
    selection = run(recent + old, seen={"https://daily.example/nothing"}, backlog=60)
    assert [a.id for a in selection.articles] == ["post-0", "post-1"]
    assert [a.id for a in selection.baseline] == ["old-0", "old-1", "old-2"]
    note = next(w for w in selection.warnings if "left the queue" in w)
    assert note.startswith("3 new article(s) older than 60 days left the queue")
    assert "'Old 0'" in note


def test_a_backlog_made_only_of_stale_articles_builds_nothing_and_holds_nothing():
    old = daily(10, start=NOW - timedelta(days=100))
    selection = run(old, seen={"https://daily.example/nothing"}, flood=5)
    assert selection.articles == () and not selection.held
    assert len(selection.baseline) == 10


def test_undated_articles_never_age_out():
    undated = [Article(id="u", title="U", url="https://daily.example/u", summary="U.")]
    assert run(undated, seen={"x"}).articles == tuple(undated)


def test_the_open_issues_articles_stay_however_old_they_are():
    old = daily(2, start=NOW - timedelta(days=300))
    selection = run(old, seen={"x"}, open_ids={"post-0", "post-1"})
    assert [a.id for a in selection.articles] == ["post-0", "post-1"]
