"""newsletter build: the next issue, written to a folder for review."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from ..common.clock import utc_now
from ..common.errors import NewsletterError
from ..common.i18n import Phrase, number
from ..common.settings import Settings
from ..issue.build import BuildOutcome, build_next_issue
from ..issue.files import review_files
from ..issue.preview import Preview, preview_of
from ..issue.render import GMAIL_CLIP_BYTES
from ..storage.store import Store
from .base import _, _n, common_options, language, main, print_issue, print_warnings


@main.command()
@common_options
@click.option("--feed", help="Feed URL or file to use instead of feed.source.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
              show_default=True,
              help="Folder for email.html, email.txt, issue.json, social.json and social/.")
@click.option("--subject", help="Use this subject instead of the derived one (\"\": the "
                                 "derived one again).")
@click.option("--preheader", help="Use this preheader instead of the derived one (\"\": the "
                                   "derived one again).")
def build(settings: Settings, feed: str | None, out_dir: Path, subject: str | None,
          preheader: str | None):
    """Build the next issue from the feed and write it to a folder for review.

    An issue built with --feed keeps that feed: later builds and sends use it until the
    issue is sent.

    \b
    Example:
      newsletter build --feed https://clinic.example/blog/feed.xml --out out/
    """
    if feed:  # resolved as feed.source is: "sample", a URL, or a path from here
        feed = dataclasses.replace(settings, base_dir=Path.cwd(), feed=dataclasses.replace(
            settings.feed, source=feed)).feed_source
    store = Store.open(settings.database_url)
    outcome = build_next_issue(settings, store, now=utc_now(), feed=feed,
                               subject=subject, preheader=preheader)
    if outcome.issue is None:
        click.echo(_("Nothing new in %(feed)s: no issue was built.", feed=outcome.feed_url))
        print_warnings(outcome.warnings)
        return
    preview = preview_of(outcome.issue, settings, secret=settings.require_secret_key())
    written = write_issue_files(outcome, preview, out_dir)
    _print_summary(preview, written)


class CannotWriteFiles(NewsletterError):
    """The --out folder cannot be made or written to."""


def write_issue_files(outcome: BuildOutcome, preview: Preview, out_dir: Path) -> list[Path]:
    files = review_files(outcome, preview)
    try:
        (out_dir / "social").mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (out_dir / name).write_text(content, encoding="utf-8")
    except OSError as error:
        raise CannotWriteFiles("cannot write the issue's files to %(folder)s: %(why)s",
                               folder=out_dir, why=error.strerror or error,
                               hint=_out_hint(out_dir, error)) from None
    return [out_dir / name for name in files]


def _out_hint(out_dir: Path, error: OSError) -> str:
    """What is in the way: a file where a folder should be, or a folder not ours to write."""
    there = next((p for p in [out_dir, *out_dir.parents] if p.exists()), Path("."))
    if not there.is_dir():
        return Phrase("%(path)s is a file, not a folder: choose another folder with --out",
                      path=there)
    if isinstance(error, PermissionError):
        return Phrase("you may not write in %(path)s: choose a folder you can write in with "
                      "--out, or change its permissions", path=there)
    return Phrase("choose another folder with --out")


def _print_summary(preview: Preview, written: list[Path]) -> None:
    issue, snippets = preview.issue, preview.snippets
    print_issue(issue)
    size = number(preview.html_bytes / 1024, language(), digits=1)
    limit = number(GMAIL_CLIP_BYTES // 1024, language())
    click.echo(_("  HTML %(size)s KB of Gmail's %(limit)s KB clip limit: WILL BE CLIPPED by "
                 "Gmail", size=size, limit=limit) if preview.clipped else
               _("  HTML %(size)s KB of Gmail's %(limit)s KB clip limit: fits", size=size,
                 limit=limit))
    articles = _n("%(num)d article(s)", "%(num)d article(s)", len(issue.articles))
    click.echo(_n("  Social: %(num)d snippets (%(articles)s on %(platforms)d platforms), each "
                  "within its limit", "  Social: %(num)d snippets (%(articles)s on "
                  "%(platforms)d platforms), each within its limit", len(snippets),
                  articles=articles, platforms=len({s.platform for s in snippets})))
    print_warnings(preview.warnings)
    emails = ", ".join(str(p) for p in written if p.parent.name != "social")
    lead = [p for p in written if p.parent.name == "social"]
    click.echo(_n("  Wrote %(files)s and %(num)d lead snippet in %(folder)s/",
                  "  Wrote %(files)s and %(num)d lead snippets in %(folder)s/", len(lead),
                  files=emails, folder=lead[0].parent) if lead else
               _("  Wrote %(files)s", files=emails))
