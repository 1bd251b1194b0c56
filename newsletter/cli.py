"""The `newsletter` command: a few lines per command over the library.

A user error prints one line (and a hint) and exits non-zero; `--verbose` adds the traceback.
This module and the scheduler are the only places that read the clock.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import traceback
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import click

from .build import BuildOutcome, build_next_issue
from .errors import NewsletterError, NotFound
from .render import GMAIL_CLIP_BYTES, greeting, personalize
from .settings import Settings, load_settings
from .snippets import Snippet, compose_all
from .social import choose_articles, listing, platform_names, snippets_document
from .store import Store

SAMPLE_READER = "Jordan Reader"


class Commands(click.Group):
    """Turns a NewsletterError from any command into one clear line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsletterError as error:
            if ctx.meta.get("verbose"):
                traceback.print_exc()
            click.secho(f"error: {error}", fg="red", err=True)
            if error.hint:
                click.echo(f"hint: {error.hint}", err=True)
            ctx.exit(error.exit_code)


def common_options(command):
    """--config and --verbose on every command, where users type them."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path),
                  help="Configuration file [default: ./newsletter.toml if present, "
                       "else the bundled sample clinic].")
    @click.option("--verbose", "-v", is_flag=True, help="Show the traceback of an error.")
    @functools.wraps(command)
    def wrapper(*args, config_path: Path | None, verbose: bool, **kwargs):
        click.get_current_context().meta["verbose"] = verbose
        return command(*args, settings=load_settings(config_path), **kwargs)

    return wrapper


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clinic-newsletter")
def main():
    """Turn a clinic's blog feed into a newsletter email and social snippets.

    Start with `newsletter build`: it runs on the bundled sample clinic with no
    configuration at all.
    """


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
    outcome = build_next_issue(settings, store, now=datetime.now(timezone.utc),
                               subject=subject, preheader=preheader)
    if outcome.issue is None:
        click.echo(f"Nothing new in {outcome.feed_url}: no issue was built.")
        _print_warnings(outcome.warnings)
        return
    snippets = compose_all(outcome.issue.articles, clinic_name=settings.clinic.name)
    written = write_issue_files(outcome, settings, out_dir, snippets)
    _print_summary(outcome, written, snippets)


def write_issue_files(outcome: BuildOutcome, settings: Settings, out_dir: Path,
                      snippets: list[Snippet]) -> list[Path]:
    """The issue as a sample subscriber gets it, plus what staff need to check it: the
    email, its summary, every social snippet, and the lead article's ready to paste."""
    rendered, issue = outcome.rendered, outcome.issue
    fields = sample_fields(settings)
    (out_dir / "social").mkdir(parents=True, exist_ok=True)
    lead = issue.articles[0].id
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
        "social.json": json.dumps(snippets_document(issue.slug, issue.articles, snippets),
                                  indent=2, ensure_ascii=False) + "\n",
        **{f"social/{s.platform}.txt": s.text + "\n" for s in snippets if s.article_id == lead},
    }
    for name, content in files.items():
        (out_dir / name).write_text(content, encoding="utf-8")
    return [out_dir / name for name in files]


def sample_fields(settings: Settings) -> dict[str, str]:
    """The per-subscriber fields of a made-up reader, for previews."""
    base = settings.clinic.public_base_url.rstrip("/")
    return {"UNSUBSCRIBE_URL": f"{base}/unsubscribe/sample", "GREETING": greeting(SAMPLE_READER)}


def _print_summary(outcome: BuildOutcome, written: list[Path], snippets: list[Snippet]
                   ) -> None:
    issue, size = outcome.issue, len(outcome.rendered.html.encode())
    click.echo(f"Issue {issue.slug} ({issue.status}): {issue.subject}")
    click.echo(f"  {len(issue.articles)} article(s):")
    for article in issue.articles:
        click.echo(f"    - {article.title}")
    verdict = "fits" if size <= GMAIL_CLIP_BYTES else "WILL BE CLIPPED by Gmail"
    click.echo(f"  HTML {size / 1024:.1f} KB of Gmail's {GMAIL_CLIP_BYTES // 1024} KB clip "
               f"limit: {verdict}")
    if issue.status == "held":
        click.secho("  HELD for staff: it will not be sent without approval.", fg="yellow")
    click.echo(f"  Social: {len(snippets)} snippets ({len(issue.articles)} article(s) on "
               f"{len({s.platform for s in snippets})} platforms), each within its limit")
    noted = Counter((s.platform, note) for s in snippets for note in s.notes)
    _print_warnings(outcome.warnings + tuple(
        f"{platform} snippet of {count} article(s): {note}"
        for (platform, note), count in noted.items()))
    emails = [p for p in written if p.parent.name != "social"]
    lead = [p for p in written if p.parent.name == "social"]
    click.echo(f"  Wrote {', '.join(str(p) for p in emails)}"
               + (f" and {len(lead)} lead snippets in {lead[0].parent}/" if lead else ""))


@main.command()
@common_options
@click.option("--article", "article_id",
              help="Only the article with this id, address or slug (its address's last part).")
@click.option("--latest", is_flag=True, help="Only the newest article.")
@click.option("--platform", "platform_name",
              help="Only this platform: x, facebook, linkedin, instagram, mastodon, bluesky, "
                   "threads or google_business [default: all].")
def social(settings: Settings, article_id: str | None, latest: bool,
           platform_name: str | None):
    """Print the social snippets of the open issue (else the last one sent), to copy.

    Each comes with its count as the platform counts it, and its limit.

    \b
    Example:
      newsletter social --latest --platform bluesky
    """
    platforms = platform_names(platform_name)
    store = Store.open(settings.database_url)
    issue = store.open_issue() or next(iter(store.sent_issues(limit=1)), None)
    if issue is None:
        raise NotFound("there is no issue yet", hint="run `newsletter build` first")
    for article in choose_articles(issue.articles, article_id=article_id, latest=latest):
        click.echo(f"=== {article.title} ({article.id}) ===\n")
        for snippet in compose_all((article,), clinic_name=settings.clinic.name,
                                   platforms=platforms):
            click.echo(listing(snippet))


def _print_warnings(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        click.secho(f"  warning: {warning}", fg="yellow")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
