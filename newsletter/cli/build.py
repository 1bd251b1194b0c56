"""newsletter build: the next issue, written to a folder for review."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import click

from ..build import BuildOutcome, build_next_issue
from ..message import sample_fields
from ..render import GMAIL_CLIP_BYTES, personalize
from ..settings import Settings
from ..snippets import Snippet, compose_all
from ..social import snippet_files
from ..store import Store
from .base import common_options, main, now, print_issue, print_warnings


@main.command()
@common_options
@click.option("--feed", help="Feed URL or file to use instead of feed.source.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
              show_default=True,
              help="Folder for email.html, email.txt, issue.json, social.json and social/.")
@click.option("--subject", default="", help="Use this subject instead of the derived one.")
@click.option("--preheader", default="", help="Use this preheader instead of the derived one.")
def build(settings: Settings, feed: str | None, out_dir: Path, subject: str, preheader: str):
    """Build the next issue from the feed and write it to a folder for review.

    \b
    Example:
      newsletter build --feed https://clinic.example/blog/feed.xml --out out/
    """
    if feed:
        settings = dataclasses.replace(settings, feed=dataclasses.replace(settings.feed,
                                                                          source=feed))
    store = Store.open(settings.database_url)
    outcome = build_next_issue(settings, store, now=now(),
                               subject=subject, preheader=preheader)
    if outcome.issue is None:
        click.echo(f"Nothing new in {outcome.feed_url}: no issue was built.")
        print_warnings(outcome.warnings)
        return
    snippets = compose_all(outcome.issue.articles, clinic_name=settings.clinic.name)
    written = write_issue_files(outcome, settings, out_dir, snippets)
    _print_summary(outcome, written, snippets)


def write_issue_files(outcome: BuildOutcome, settings: Settings, out_dir: Path,
                      snippets: list[Snippet]) -> list[Path]:
    """The issue as a sample subscriber gets it, plus what staff need to check it: the
    email, its summary, every social snippet, and the lead article's ready to paste."""
    rendered, issue = outcome.rendered, outcome.issue
    fields = sample_fields(settings, issue.slug)
    (out_dir / "social").mkdir(parents=True, exist_ok=True)
    files = {
        "email.html": personalize(rendered.html, fields, html=True),
        "email.txt": personalize(rendered.text, fields, html=False),
        "issue.json": json.dumps({
            "slug": issue.slug,
            "status": issue.status,
            "held": issue.status == "held",
            "subject": issue.subject,
            "preheader": issue.preheader,
            "web_url": rendered.web_url,
            "feed": outcome.feed_url,
            "html_bytes": len(rendered.html.encode()),
            "articles": [{"id": a.id, "title": a.title, "url": a.url,
                          "published": a.published.isoformat() if a.published else None}
                         for a in issue.articles],
            "warnings": list(outcome.warnings),
        }, indent=2, ensure_ascii=False) + "\n",
        **snippet_files(issue.slug, issue.articles, snippets),
    }
    for name, content in files.items():
        (out_dir / name).write_text(content, encoding="utf-8")
    return [out_dir / name for name in files]


def _print_summary(outcome: BuildOutcome, written: list[Path], snippets: list[Snippet]
                   ) -> None:
    issue, size = outcome.issue, len(outcome.rendered.html.encode())
    print_issue(issue)
    verdict = "fits" if size <= GMAIL_CLIP_BYTES else "WILL BE CLIPPED by Gmail"
    click.echo(f"  HTML {size / 1024:.1f} KB of Gmail's {GMAIL_CLIP_BYTES // 1024} KB clip "
               f"limit: {verdict}")
    if issue.status == "held":
        click.secho("  HELD for staff: it will not be sent without approval.", fg="yellow")
    click.echo(f"  Social: {len(snippets)} snippets ({len(issue.articles)} article(s) on "
               f"{len({s.platform for s in snippets})} platforms), each within its limit")
    noted = Counter((s.platform, note) for s in snippets for note in s.notes)
    print_warnings(outcome.warnings + tuple(
        f"{platform} snippet of {count} article(s): {note}"
        for (platform, note), count in noted.items()))
    emails = [p for p in written if p.parent.name != "social"]
    lead = [p for p in written if p.parent.name == "social"]
    click.echo(f"  Wrote {', '.join(str(p) for p in emails)}"
               + (f" and {len(lead)} lead snippets in {lead[0].parent}/" if lead else ""))
