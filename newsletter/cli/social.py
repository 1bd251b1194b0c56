"""newsletter social: the snippets of an issue, to copy."""

from __future__ import annotations

import click

from ..common.errors import NotFound
from ..common.settings import Settings
from ..social.files import choose_articles, listing, platform_names
from ..social.snippets import compose_all
from ..storage.store import Store
from .base import common_options, main


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
    issue = store.issues.open() or store.issues.last_sent()
    if issue is None:
        raise NotFound("there is no issue yet", hint="run `newsletter build` first")
    for article in choose_articles(issue.articles, article_id=article_id, latest=latest):
        click.echo(f"=== {article.title} ({article.id}) ===\n")
        for snippet in compose_all((article,), clinic_name=settings.clinic.name,
                                   language=settings.clinic.language, platforms=platforms):
            click.echo(listing(snippet))
