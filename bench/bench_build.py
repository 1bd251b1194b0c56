"""How long `build` takes on a 50-article feed, next to a bare feedparser.parse of the same
bytes, measured in one run so the ratio holds on a noisy shared machine.

    python bench/bench_build.py [--articles 50] [--rounds 15]

`build` here is the whole of build_next_issue on a fresh SQLite file: read the file, parse,
summarize, curate, render, inline the CSS once, store the open issue.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.common.settings import Settings  # noqa: E402
from newsletter.issue.build import build_next_issue  # noqa: E402
from newsletter.storage.store import Store  # noqa: E402

SAMPLE = ROOT / "newsletter" / "feed" / "samples" / "clinic.rss.xml"


def feed_of(count: int) -> bytes:
    """The sample's 11 articles repeated under new guids and dates until there are `count`."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("<item>", 1)
    items = ["<item>" + part for part in ("<item>" + rest).split("<item>")[1:]]
    tail = items[-1][items[-1].index("</item>") + len("</item>"):]
    items[-1] = items[-1][:items[-1].index("</item>") + len("</item>")]
    start = datetime(2026, 11, 1, 14, tzinfo=timezone.utc)
    made = []
    for n in range(count):
        item = items[n % len(items)]
        when = (start - timedelta(days=n)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        item = re.sub(r"<pubDate>.*?</pubDate>", f"<pubDate>{when}</pubDate>", item)
        item = re.sub(r"(<link>[^<]*)</link>", rf"\1-{n}</link>", item)
        item = re.sub(r"(<guid[^>]*>[^<]*)</guid>", rf"\1-{n}</guid>", item)
        made.append(item)
    return (head + "\n".join(made) + tail).encode("utf-8")


def timed(function, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    body = feed_of(args.articles)
    work = Path(tempfile.mkdtemp())
    feed_path = work / "feed.xml"
    feed_path.write_bytes(body)
    now = datetime(2026, 11, 27, 15, tzinfo=timezone.utc)

    def build_once():
        database = work / f"state-{time.perf_counter_ns()}.db"
        base = Settings(base_dir=work)
        settings = dataclasses.replace(
            base, feed=dataclasses.replace(base.feed, source=str(feed_path)),
            issue=dataclasses.replace(base.issue, articles_per_issue=10,
                                      first_run_window_days=3650, flood_threshold=1000),
            store=dataclasses.replace(base.store, database_url=f"sqlite:///{database}"))
        store = Store.open(settings.database_url)
        outcome = build_next_issue(settings, store, now=now)
        assert len(outcome.issue.articles) == 10
        store.engine.dispose()

    build_once()  # warm-up: imports, template compilation
    feedparser.parse(body)
    parse_times, build_times = [], []
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        parse_times += timed(lambda: feedparser.parse(body), 1)
        build_times += timed(build_once, 1)
    parse_ms = statistics.median(parse_times) * 1000
    build_ms = statistics.median(build_times) * 1000
    print(f"feed: {args.articles} articles, {len(body) / 1024:.0f} KB; {args.rounds} rounds, medians")
    print(f"bare feedparser.parse: {parse_ms:8.1f} ms")
    print(f"newsletter build:      {build_ms:8.1f} ms")
    print(f"ratio build / parse:   {build_ms / parse_ms:8.2f}x   (target: at most 2x)")


if __name__ == "__main__":
    main()
