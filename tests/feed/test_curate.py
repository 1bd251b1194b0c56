"""curate on its own: which articles are new, in what order, how many, and when a first run
or a burst of new articles changes what the next issue holds. A pure function, so every
test here is inputs in, a Selection out."""

from datetime import datetime, timedelta, timezone

import pytest

from newsletter.common.links import normalized_link
from newsletter.common.model import Article
from newsletter.feed.curate import curate

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
ROOMY = {"window_days": 21, "cap": 100, "flood_threshold": 100, "backlog_max_days": 3650}
"""A window, cap, flood threshold and backlog age that none of these tests reaches unless it
means to."""


def article(n: int, days_ago: float | None, **extra) -> Article:
    """Article `n`, published `days_ago` days before NOW (None: undated)."""
    published = None if days_ago is None else NOW - timedelta(days=days_ago)
    return Article(id=f"post-{n}", title=f"Article {n}",
                   url=f"https://clinic.example/blog/post-{n}", summary=f"About {n}.",
                   published=published, **extra)


def ids(articles) -> list[str]:
    return [a.id for a in articles]


def select(articles, *, seen=(), first_run=False, **options):
    return curate(articles, seen=set(seen), first_run=first_run, now=NOW,
                  **{**ROOMY, **options})


# --- new and seen -----------------------------------------------------------------------------

def test_an_article_seen_by_its_id_is_not_new():
    articles = [article(1, 1), article(2, 2), article(3, 3)]
    selection = select(articles, seen={"post-2"})
    assert ids(selection.articles) == ["post-1", "post-3"]
    assert selection.warnings == () and not selection.held


def test_an_article_seen_by_its_link_is_not_new_even_under_a_new_id():
    """A feed that changed its guid scheme, or added campaign tags and a fragment to its links,
    must not mail an article again: the normalized link recognises it."""
    old = article(1, 1)
    renamed = Article(id="https://clinic.example/?p=991", title=old.title,
                      url="https://Clinic.Example/blog/post-1/?utm_source=rss&utm_medium=feed#top",
                      summary=old.summary, published=old.published)
    assert normalized_link(renamed.url) == normalized_link(old.url)
    selection = select([renamed, article(2, 2)], seen={normalized_link(old.url)})
    assert ids(selection.articles) == ["post-2"]


def test_a_link_that_differs_in_more_than_tags_is_a_new_article():
    seen = {normalized_link("https://clinic.example/blog/post-1?page=2")}
    selection = select([article(1, 1)], seen=seen)
    assert ids(selection.articles) == ["post-1"]


def test_nothing_new_is_an_empty_selection_without_warnings():
    articles = [article(1, 1), article(2, 2)]
    selection = select(articles, seen={"post-1", normalized_link(articles[1].url)})
    assert selection.articles == () and selection.baseline == ()
    assert selection.warnings == () and selection.held is False


def test_an_empty_feed_is_an_empty_selection():
    for first_run in (False, True):
        selection = select([], first_run=first_run)
        assert selection.articles == () and selection.baseline == ()
        assert selection.warnings == () and not selection.held


# --- order ------------------------------------------------------------------------------------

def test_new_articles_come_newest_first_whatever_the_feed_order():
    articles = [article(3, 9), article(1, 1), article(4, 12), article(2, 4)]
    assert ids(select(articles).articles) == ["post-1", "post-2", "post-3", "post-4"]


def test_newest_first_compares_instants_not_local_clock_times():
    """08:00 in Chicago (UTC-6) is after 12:00 UTC on the same day."""
    chicago = timezone(timedelta(hours=-6))
    early_utc = Article(id="utc", title="A", url="https://clinic.example/a", summary="",
                        published=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    later_chicago = Article(id="chicago", title="B", url="https://clinic.example/b", summary="",
                            published=datetime(2026, 11, 20, 8, 0, tzinfo=chicago))
    assert ids(select([early_utc, later_chicago]).articles) == ["chicago", "utc"]


def test_undated_articles_are_new_and_come_after_the_dated_ones_in_feed_order():
    articles = [article(1, None), article(2, 5), article(3, None), article(4, 1)]
    selection = select(articles)
    assert ids(selection.articles) == ["post-4", "post-2", "post-1", "post-3"]
    assert selection.warnings == ()


def test_the_input_is_left_as_it_was():
    articles = [article(2, 5), article(1, 1)]
    before = list(articles)
    select(articles, cap=1)
    assert articles == before


# --- the cap ----------------------------------------------------------------------------------

def test_at_most_cap_articles_the_newest_and_a_warning_counts_the_rest():
    articles = [article(n, n) for n in range(1, 8)]
    selection = select(articles, cap=3)
    assert ids(selection.articles) == ["post-1", "post-2", "post-3"]
    assert selection.warnings == (
        "4 more new article(s) wait for the next issue (at most 3 per issue)",)
    assert not selection.held


def test_exactly_cap_new_articles_need_no_warning():
    selection = select([article(n, n) for n in range(1, 4)], cap=3)
    assert len(selection.articles) == 3 and selection.warnings == ()


def test_the_articles_left_over_by_the_cap_are_new_next_time():
    """What waits is not lost: once the first issue's articles are seen, the next run picks
    up the rest."""
    articles = [article(n, n) for n in range(1, 6)]
    first = select(articles, cap=3)
    second = select(articles, cap=3, seen={a.id for a in first.articles})
    assert ids(second.articles) == ["post-4", "post-5"] and second.warnings == ()


# --- the flood guard --------------------------------------------------------------------------

def test_more_new_articles_than_the_flood_threshold_are_held_with_a_warning():
    selection = select([article(n, n) for n in range(1, 7)], flood_threshold=5)
    assert selection.held is True
    assert ids(selection.articles) == [f"post-{n}" for n in range(1, 7)]
    assert selection.warnings == (
        "flood guard: 6 new articles at once (more than 5); the issue is held for staff to "
        "check, since a site move or feed change can make old articles look new",)


def test_exactly_the_flood_threshold_is_not_held():
    selection = select([article(n, n) for n in range(1, 6)], flood_threshold=5)
    assert selection.held is False and selection.warnings == ()


def test_the_flood_guard_counts_new_articles_before_the_cap_and_ignores_seen_ones():
    articles = [article(n, n) for n in range(1, 13)]
    flooded = select(articles, cap=4, flood_threshold=10)
    assert flooded.held and ids(flooded.articles) == ["post-1", "post-2", "post-3", "post-4"]
    assert flooded.warnings[0].startswith("flood guard: 12 new articles at once (more than 10)")
    assert flooded.warnings[1] == ("8 more new article(s) wait for the next issue "
                                   "(at most 4 per issue)")
    assert len(flooded.warnings) == 2
    calm = select(articles, cap=4, flood_threshold=10, seen={"post-11", "post-12"})
    assert not calm.held
    assert calm.warnings == ("6 more new article(s) wait for the next issue "
                             "(at most 4 per issue)",)


# --- the first run ----------------------------------------------------------------------------

def test_a_first_run_mails_the_latest_burst_and_remembers_the_rest_as_baseline():
    """Window 7 days from the newest article (published 2 days ago): 2, 5 and 9 days ago are
    inside; 10 and 40 days ago are the archive."""
    articles = [article(5, 40), article(1, 2), article(3, 9), article(4, 10), article(2, 5)]
    selection = select(articles, first_run=True, window_days=7)
    assert ids(selection.articles) == ["post-1", "post-2", "post-3"]
    assert ids(selection.baseline) == ["post-4", "post-5"]
    assert selection.warnings == ("first run: 2 older article(s) are remembered as already "
                                  "published and will not be mailed",)
    assert not selection.held


def test_the_window_starts_from_the_newest_article_not_from_now_and_includes_its_edge():
    newest = article(1, 30)
    edge = Article(id="edge", title="Edge", url="https://clinic.example/edge", summary="",
                   published=newest.published - timedelta(days=7))
    outside = Article(id="outside", title="Out", url="https://clinic.example/out", summary="",
                      published=edge.published - timedelta(seconds=1))
    selection = select([outside, edge, newest], first_run=True, window_days=7)
    assert ids(selection.articles) == ["post-1", "edge"]
    assert ids(selection.baseline) == ["outside"]


def test_a_first_run_whose_articles_all_fit_the_window_has_no_baseline_and_no_warning():
    selection = select([article(1, 1), article(2, 6)], first_run=True, window_days=7)
    assert ids(selection.articles) == ["post-1", "post-2"]
    assert selection.baseline == () and selection.warnings == ()


def test_a_first_run_whose_newest_article_is_old_says_how_old():
    articles = [article(1, 45.5), article(2, 50), article(3, 90)]
    selection = select(articles, first_run=True, window_days=14)
    assert ids(selection.articles) == ["post-1", "post-2"]
    assert ids(selection.baseline) == ["post-3"]
    assert selection.warnings == (
        "first run: 1 older article(s) are remembered as already published and will not be "
        "mailed",
        "first run: the newest article is 45 days old; check the preview before sending")


@pytest.mark.parametrize("days_ago, warned", [(7, False), (7.01, True)])
def test_the_old_newest_article_warning_starts_just_past_the_window(days_ago, warned):
    selection = select([article(1, days_ago)], first_run=True, window_days=7)
    assert ids(selection.articles) == ["post-1"]
    assert any("the newest article is" in w for w in selection.warnings) is warned


def test_old_articles_on_a_later_run_are_simply_new():
    """The window and the age warning belong to the first run only."""
    articles = [article(1, 45), article(2, 90)]
    selection = select(articles, window_days=7)
    assert ids(selection.articles) == ["post-1", "post-2"]
    assert selection.baseline == () and selection.warnings == ()


def test_a_first_run_of_undated_articles_mails_the_first_few_and_remembers_the_rest():
    """Undated, the feed's order is all there is: its first `cap` articles are mailed."""
    articles = [article(1, None), article(2, None), article(3, None)]
    selection = select(articles, first_run=True, window_days=7, cap=2)
    assert ids(selection.articles) == ["post-1", "post-2"]
    assert ids(selection.baseline) == ["post-3"]
    assert selection.warnings == ("first run: 1 older article(s) are remembered as already "
                                  "published and will not be mailed",)


def test_a_first_run_leaves_undated_articles_to_the_baseline_when_some_are_dated():
    articles = [article(1, None), article(2, 3), article(3, 4), article(4, None)]
    selection = select(articles, first_run=True, window_days=7)
    assert ids(selection.articles) == ["post-2", "post-3"]
    assert sorted(ids(selection.baseline)) == ["post-1", "post-4"]


def test_a_first_run_never_puts_a_seen_article_in_the_baseline_or_the_issue():
    articles = [article(1, 1), article(2, 2), article(3, 30)]
    selection = select(articles, first_run=True, window_days=7, seen={"post-1", "post-3"})
    assert ids(selection.articles) == ["post-2"] and selection.baseline == ()


def test_a_first_run_is_never_held_and_remembers_what_the_cap_leaves_out():
    """A 200-post archive is not a flood, nor is a burst of daily posts: a first run mails
    the newest `cap` articles of the window and remembers every other, so nothing waits to
    fill the next issues with old posts (issue 10: the flood guard is for an established feed)."""
    burst = [article(n, n / 10) for n in range(1, 7)]
    archive = [article(100 + n, 30 + n) for n in range(200)]
    selection = select(burst + archive, first_run=True, window_days=7, cap=4,
                       flood_threshold=5)
    assert ids(selection.articles) == ["post-1", "post-2", "post-3", "post-4"]
    assert len(selection.baseline) == 202
    assert {"post-5", "post-6"} <= set(ids(selection.baseline))
    assert selection.held is False
    assert selection.warnings == ("first run: 202 older article(s) are remembered as already "
                                  "published and will not be mailed",)


# --- a daily blog's first run, and backlogs -------------------------------------------

def daily(count, *, start=NOW - timedelta(hours=2)):
    """A blog that posts every day: `count` posts, the newest first."""
    return [Article(id=f"post-{n}", title=f"Post {n}",
                    url=f"https://daily.example/posts/{n}", summary="A post.",
                    published=start - timedelta(days=n))
            for n in range(count)]


def run(articles, *, seen=(), first_run=False, cap=6, flood=8, window=45, backlog=60,
        open_ids=()):
    """curate with the default settings (6 an issue, flood 8, window 45, backlog 60 days)."""
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


# --- a post published twice -------------------------------------------------------------------

def twice(n: int, days_ago: float, title: str) -> Article:
    return Article(id=f"post-{n}", title=title, url=f"https://clinic.example/blog/post-{n}",
                   summary=f"About {n}.", published=NOW - timedelta(days=days_ago))


@pytest.mark.parametrize("first_run", [False, True], ids=["later run", "first run"])
def test_a_post_published_twice_is_mailed_once_and_its_older_copy_remembered(first_run):
    newer = twice(2, 1, "Ice or heat after a sprain?")
    older = twice(1, 1.5, "Ice  or heat after a SPRAIN?")
    selection = select([older, article(3, 2), newer], first_run=first_run)
    assert ids(selection.articles) == ["post-2", "post-3"]
    assert [a.id for a in selection.baseline] == ["post-1"]
    (warning,) = [w for w in selection.warnings if "published twice" in str(w)]
    assert "'Ice  or heat after a SPRAIN?'" in str(warning) and "within 3 days" in str(warning)


def test_the_same_title_weeks_apart_is_two_posts():
    selection = select([twice(1, 1, "Holiday hours"), twice(2, 40, "Holiday hours")])
    assert ids(selection.articles) == ["post-1", "post-2"] and selection.baseline == ()
    assert selection.warnings == ()

