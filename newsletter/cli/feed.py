"""newsletter feed check: what a blog's address gives, without storing anything."""

from __future__ import annotations

import click

from ..common.clock import utc_now
from ..common.settings import Settings
from ..issue.check import check_blog
from ..issue.render import subject_for
from .base import common_options, main, print_warnings


@main.group()
def feed():
    """Check the blog's feed (or its pages) before building from it."""


@feed.command("check")
@common_options
@click.argument("source", required=False)
def check(settings: Settings, source: str | None):
    """Show what SOURCE (default: feed.source) gives: the feed found on the page, or the
    pages read when the blog has none, and the articles the next issue would hold.
    Nothing is stored.

    \b
    Example:
      newsletter feed check https://clinic.example/blog
    """
    address = source or settings.feed_source
    result = check_blog(settings, address, now=utc_now())
    reading, selection = result.reading, result.selection
    how = {"feed": "a feed", "feed link": "a web page that links its feed",
           "platform feed": "a web page; its platform's feed was found",
           "pages": "a blog without a feed, read from its pages",
           "unchanged": "unchanged"}[reading.found]
    click.echo(f"{address}: {how}")
    for note in reading.notes:
        click.echo(f"  {note}")
    parsed = reading.parsed
    total = len(parsed.articles) if parsed else 0
    click.echo(f"  {total} article(s) read; the next issue would hold "
               f"{len(selection.articles)}" + (" (a first run)" if result.first_run else "")
               + (":" if selection.articles else "."))
    for article in selection.articles:
        when = f"{article.published:%Y-%m-%d}" if article.published else "undated"
        image = article.image
        facts = [f"by {article.author}" if article.author else "",
                 f"{article.reading_minutes} min",
                 (f"image {image.width} px" if image.width else "image") if image else "no image"]
        click.echo(f"    - {when}  {article.title}  ({', '.join(f for f in facts if f)})")
        click.echo(f"        {article.summary[:110]}")
    if selection.articles:
        click.echo(f"  Subject: {subject_for(selection.articles)}")
    print_warnings((parsed.warnings if parsed else ()) + selection.warnings)
    click.echo("Nothing was stored.")
