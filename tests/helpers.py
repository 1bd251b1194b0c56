"""Small builders shared by tests: the bundled feed parsed, an issue rendered and filled."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from newsletter.common.model import Article
from newsletter.common.settings import AnalyticsSettings, Settings
from newsletter.feed.parse import parse_feed
from newsletter.issue.clicks import article_links
from newsletter.issue.render import RenderedIssue, greeting, personalize, plan_issue, render_issue

from .checklist import Expect

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "newsletter" / "feed" / "samples"
FEEDS = Path(__file__).resolve().parent / "data" / "feeds"
NEWSLETTER = str(Path(sys.executable).parent / "newsletter")
"""The installed console script, run as a user runs it."""
UNSUBSCRIBE_URL = "https://advancedphysicalmedicine.example/newsletter/unsubscribe/tok123"
CLICK_SECRET = "click-secret-key-0123456789abcdef"


def sample_articles(name: str = "clinic.rss.xml") -> tuple[Article, ...]:
    path = SAMPLES / name
    return parse_feed(path.read_bytes(), source=str(path)).articles


def feed_articles(name: str) -> tuple[Article, ...]:
    path = FEEDS / name
    return parse_feed(path.read_bytes(), source=str(path)).articles


def rendered(articles: tuple[Article, ...], settings: Settings | None = None,
             slug: str = "2026-11-30", note: str = "", clicks: bool = False
             ) -> tuple[RenderedIssue, str, Expect]:
    """The issue for `articles`, and one subscriber's finished HTML with what it must say;
    `clicks`: its article links count clicks, as a real send fills them."""
    settings = settings or Settings()
    if clicks:
        settings = dataclasses.replace(settings, analytics=AnalyticsSettings(clicks=True))
    issue = plan_issue(articles, slug=slug, day=date.fromisoformat(slug[:10]),
                       clinic_name=settings.clinic.name, note=note,
                       language=settings.clinic.language)
    result = render_issue(issue, settings.clinic, click_holes=clicks)
    links = article_links(slug, articles, settings, secret=CLICK_SECRET, counted=True) \
        if clicks else {}
    html = personalize(result.html, {**links, "UNSUBSCRIBE_URL": UNSUBSCRIBE_URL,
                                     "GREETING": greeting("Ana Lopez",
                                                          settings.clinic.language)},
                       html=True)
    expect = Expect(subject=issue.subject, preheader=issue.preheader,
                    unsubscribe_url=UNSUBSCRIBE_URL, web_url=result.web_url,
                    postal_address=settings.clinic.postal_address, articles=articles,
                    article_links=tuple(links.values()))
    return result, html, expect


def rss(items: list[dict], *, link: str = "https://clinic.example/blog/") -> bytes:
    """A small RSS 2.0 feed. Each item: guid, title, date (RFC 822 text) and optional summary."""
    from xml.sax.saxutils import escape as xml_escape

    entries = "".join(
        "<item>"
        f"<title>{xml_escape(item['title'])}</title>"
        f"<link>{link}{item['guid']}</link>"
        f"<guid isPermaLink=\"false\">{item['guid']}</guid>"
        f"<pubDate>{item['date']}</pubDate>"
        f"<description>{xml_escape(item.get('summary', 'A short teaser about ' + item['title'] + '.'))}</description>"
        "</item>"
        for item in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Clinic blog</title><link>{link}</link>{entries}</channel></rss>").encode()


def item(number: int, day: int, month: str = "Nov", year: int = 2026, **extra) -> dict:
    return {"guid": f"post-{number}", "title": f"Article number {number}",
            "date": f"{day:02d} {month} {year} 14:00:00 GMT", **extra}


def wait_until(condition, timeout: float = 30) -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any NEWSLETTER_* variable, plus `extra`: what a
    developer has exported in their shell must not change what a test sees."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")},
            **(extra or {})}


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            command=None, timeout: float = 120, **options) -> subprocess.CompletedProcess:
    """`newsletter ARGS...` (or `command`) as a user runs it, in a clean environment."""
    return subprocess.run([*(command or [NEWSLETTER]), *args], cwd=cwd, env=clean_env(env),
                          capture_output=True, text=True, timeout=timeout, **options)
