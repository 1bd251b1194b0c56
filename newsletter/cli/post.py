"""newsletter post: the issue sent last, posted to the networks with an account, each
article once (what a post schedule runs, for people on cron)."""

from __future__ import annotations

import click

from ..common.clock import utc_now
from ..common.errors import NewsletterError, NotFound
from ..common.settings import Settings
from ..social.posting.accounts import CLIENTS, missing, postable
from ..social.posting.post import post_issue
from ..storage.store import Store
from .base import common_options, main


class PostsNotMade(NewsletterError):
    """A network refused a post or gave no sure answer; the lines above say which."""


@main.command()
@common_options
@click.option("--platform", "platform_name", type=click.Choice(sorted(CLIENTS)),
              help="Only this network [default: every one with an account].")
def post(settings: Settings, platform_name: str | None):
    """Post the articles of the issue sent last to Mastodon, Bluesky and the Facebook Page
    (those with an account in the environment), each article once per network: running it
    again posts nothing twice.

    \b
    Example:
      newsletter post --platform mastodon
    """
    platforms = postable(settings)
    if platform_name and platform_name not in platforms:
        raise NotFound(f"{platform_name} has no account set up here: set "
                       f"{' and '.join(missing(platform_name))} in the environment")
    if not platforms:
        raise NotFound("no network has an account set up here",
                       hint="set NEWSLETTER_MASTODON_URL and NEWSLETTER_MASTODON_TOKEN (or "
                            "Bluesky's or Facebook's; see the README)")
    store = Store.open(settings.database_url)
    issue = store.issues.being_sent_or_last_sent()
    if issue is None:
        raise NotFound("no issue has been sent yet", hint="posts follow the email: send first")
    outcomes = post_issue(settings, store, issue, clock=utc_now,
                          platforms=(platform_name,) if platform_name else platforms)
    titles = {article.id: article.title for article in issue.articles}
    for outcome in outcomes:
        said = {"posted": outcome.url, "found": f"{outcome.url} (an earlier run had posted it)",
                "already": f"already posted: {outcome.url}"}.get(outcome.status, outcome.message)
        click.echo(f"{outcome.platform}: {titles[outcome.article_id]}: {said}")
    if not all(outcome.ok for outcome in outcomes):
        raise PostsNotMade("some posts were not made; run it again to retry them (nothing "
                           "is posted twice)")
