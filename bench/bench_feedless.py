"""How long `build` takes on a blog without a feed, read from its pages: the fixture clinic
site (tests/clinic_site.py) with 10 posts, served on 127.0.0.1 by the tests' HTTP server,
next to `build` on the same site's RSS feed, interleaved in one run.

    python bench/bench_feedless.py [--rounds 9]

Each round is a first run on a fresh SQLite file, so every page is fetched: robots.txt,
the blog page, the feed place its platform would use (404 here) and the 10 article pages,
one request at a time, each page's main text read by trafilatura where it declares none.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.common.settings import Settings  # noqa: E402
from newsletter.issue.build import build_next_issue  # noqa: E402
from newsletter.storage.store import Store  # noqa: E402
from tests.clinic_site import POSTS, ClinicSite  # noqa: E402
from tests.httpserver import FeedServer  # noqa: E402

PAGES = 10


def ten_posts():
    """The fixture's posts, and more under new addresses, a day apart, newest first."""
    posts = []
    for n in range(PAGES):
        post = POSTS[n % len(POSTS)]
        posts.append(dataclasses.replace(post, slug=f"{post.slug}-{n}",
                                         day=date(2026, 1, 6) - timedelta(days=n)))
    return tuple(posts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    posts = ten_posts()
    work = Path(tempfile.mkdtemp())
    now = datetime(2026, 1, 12, 15, tzinfo=timezone.utc)
    with FeedServer() as pages_site, FeedServer() as feed_site:
        ClinicSite(feed=False, json_ld=False).serve(pages_site, posts)
        ClinicSite(feed=True).serve(feed_site, posts)

        def build(url: str) -> None:
            base = Settings(base_dir=work)
            settings = dataclasses.replace(
                base, feed=dataclasses.replace(base.feed, source=url),
                issue=dataclasses.replace(base.issue, articles_per_issue=10,
                                          first_run_window_days=3650),
                store=dataclasses.replace(
                    base.store, database_url=f"sqlite:///{work / f'{time.perf_counter_ns()}.db'}"))
            store = Store.open(settings.database_url)
            outcome = build_next_issue(settings, store, now=now)
            assert len(outcome.issue.articles) == PAGES, outcome.warnings
            store.engine.dispose()

        pages_url, feed_url = pages_site.url("/blog"), feed_site.url("/blog/rss.xml")
        build(pages_url), build(feed_url)  # warm-up: imports (trafilatura), templates
        pages_times, feed_times = [], []
        for _ in range(args.rounds):
            for url, times in ((feed_url, feed_times), (pages_url, pages_times)):
                started = time.perf_counter()
                build(url)
                times.append(time.perf_counter() - started)
        requests = len([r for r in pages_site.requests if r.path.startswith("/blog/")])
    pages_ms = statistics.median(pages_times) * 1000
    feed_ms = statistics.median(feed_times) * 1000
    print(f"{PAGES} posts; {args.rounds} rounds, medians; {requests // (args.rounds + 1)} "
          "article pages fetched a round")
    print(f"build from the site's RSS feed:   {feed_ms:8.1f} ms")
    print(f"build from its pages (no feed):   {pages_ms:8.1f} ms")
    print(f"ratio pages / feed:               {pages_ms / feed_ms:8.2f}x")


if __name__ == "__main__":
    main()
