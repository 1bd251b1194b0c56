"""newsletter feed check: what a blog's address gives, without storing anything."""

from __future__ import annotations

import click

from ..common.clock import utc_now
from ..common.settings import Settings
from ..issue.check import check_blog
from ..issue.render import subject_for
from .base import _, _n, common_options, main, print_warnings, said


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
    how = {"feed": _("a feed"), "feed link": _("a web page that links its feed"),
           "platform feed": _("a web page; its platform's feed was found"),
           "pages": _("a blog without a feed, read from its pages"),
           "unchanged": _("unchanged")}[reading.found]
    click.echo(f"{address}: {how}")
    for note in reading.notes:
        click.echo(f"  {said(note)}")
    parsed = reading.parsed
    total = len(parsed.articles) if parsed else 0
    held = len(selection.articles)
    click.echo(_n("  %(num)d article(s) read; the next issue would hold %(held)d",
                  "  %(num)d article(s) read; the next issue would hold %(held)d", total,
                  held=held)
               + (_(" (a first run)") if result.first_run else "") + (":" if held else "."))
    for article in selection.articles:
        when = f"{article.published:%Y-%m-%d}" if article.published else _("undated")
        image = article.image
        facts = [_("by %(author)s", author=article.author) if article.author else "",
                 _("%(minutes)d min", minutes=article.reading_minutes),
                 (_("image %(width)d px", width=image.width) if image.width else _("image"))
                 if image else _("no image")]
        click.echo(f"    - {when}  {article.title}  ({', '.join(f for f in facts if f)})")
        click.echo(f"        {article.summary[:110]}")
    if selection.articles:
        click.echo(_("  Subject: %(subject)s", subject=subject_for(selection.articles)))
    print_warnings((parsed.warnings if parsed else ()) + selection.warnings)
    click.echo(_("Nothing was stored."))
