"""Posting from the preview and seeing the posts on the sends page, through the app, with the
fake platforms on loopback: a button per network with an account, beside the exact text;
the others stay copy and paste."""

from __future__ import annotations

import html
import re

import pytest

from newsletter.delivery.sending import send_next_issue
from newsletter.mail.transport import transport_for
from newsletter.social.posting.post import snippet_for
from newsletter.storage.posts import Posts

from ..platforms import FakeFacebook
from ..posting_setup import account_env
from ..web_setup import make_site

pytestmark = pytest.mark.usefixtures("each_database")


def posting_site(folder, fakes, language="en", **override):
    env = account_env(fakes, **override)
    env.pop("NEWSLETTER_SECRET_KEY")
    site = make_site(folder, env=env, extra=f"""language = "{language}"
[posting]
bluesky_pds_url = "{fakes.bluesky.url()}"
facebook_graph_url = "{fakes.facebook.url()}"
retry_wait_seconds = 0.01
""")
    fakes.bluesky.clock = lambda: site.clock().timestamp()  # the app's clock is the tests'
    return site


def post_form(page: str, platform: str, article: str) -> dict[str, str]:
    """The hidden fields of the preview's form for that post, as a browser would send them."""
    for form in re.findall(r'<form method="post" action="/staff/post[^"]*" class="post-form">'
                           r'(.*?)</form>', page, re.S):
        fields = {name: html.unescape(value) for name, value in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}
        if (fields["platform"], fields["article"]) == (platform, article):
            return fields
    raise AssertionError(f"no post form for {platform} {article}")


def test_a_button_posts_the_exact_text_shown_and_then_links_to_the_post(tmp_path, fakes):
    site = posting_site(tmp_path, fakes, NEWSLETTER_FACEBOOK_PAGE_TOKEN="")
    page = site.client.get("/staff/").text
    issue = site.store.issues.open()
    article = issue.articles[0]
    _, snippet = snippet_for(site.settings, issue, article.id, "mastodon")
    assert f"<pre>{html.escape(snippet.text, quote=False)}</pre>" in page.replace("&#39;", "'")
    assert "Post this to Mastodon" in page and "Post this to Bluesky" in page
    assert "Post this to Facebook" not in page
    assert ("Copy and paste it; to post it from here, set NEWSLETTER_FACEBOOK_PAGE_ID and "
            "NEWSLETTER_FACEBOOK_PAGE_TOKEN.") in page

    response = site.client.post("/staff/post", data=post_form(page, "mastodon", article.id))
    assert response.status_code == 303
    [status] = fakes.mastodon.posts
    assert status["text"] == snippet.text
    after = site.client.get("/staff/").text
    assert f"Posted to Mastodon: {status['url']}" in after
    assert f'<a href="{status["url"]}" rel="noreferrer">see the post</a>' in after

    again = site.client.post("/staff/post", data=post_form(page, "mastodon", article.id))
    assert again.status_code == 303 and len(fakes.mastodon.posts) == 1


def test_a_spanish_clinic_posts_the_spanish_text_its_preview_shows(tmp_path, fakes):
    site = posting_site(tmp_path, fakes, language="es")
    page = site.client.get("/staff/").text
    article = site.store.issues.open().articles[0]
    site.client.post("/staff/post", data=post_form(page, "facebook", article.id))
    [post] = fakes.facebook.posts
    assert "Lea el artículo: https://" in post["message"]
    assert f"<pre>{html.escape(post['message'], quote=False)}</pre>" in \
        page.replace("&#39;", "'")


def test_a_post_form_without_the_csrf_token_posts_nothing(tmp_path, fakes):
    site = posting_site(tmp_path, fakes)
    page = site.client.get("/staff/").text
    fields = post_form(page, "bluesky", site.store.issues.open().articles[0].id)
    fields.pop("csrf_token")
    assert site.client.post("/staff/post", data=fields).status_code == 400
    assert fakes.bluesky.posts == []


def test_a_refused_post_shows_the_platforms_message_and_can_be_tried_again(tmp_path, fakes):
    site = posting_site(tmp_path, fakes)
    page = site.client.get("/staff/").text
    article = site.store.issues.open().articles[0]
    fakes.facebook.fail_next(f"/{FakeFacebook.PAGE}/feed", 400, {"error": {
        "message": "(#200) The user hasn't authorized the application to perform this action",
        "type": "OAuthException", "code": 200}})
    site.client.post("/staff/post", data=post_form(page, "facebook", article.id))
    after = site.client.get("/staff/").text
    refusal = ("Facebook refused it: (#200) The user hasn&#39;t authorized the application "
               "to perform this action")
    assert after.count(refusal) == 2  # the message, and beside the button to try again
    site.client.post("/staff/post", data=post_form(after, "facebook", article.id))
    assert len(fakes.facebook.posts) == 1


def test_a_form_for_a_text_that_changed_posts_nothing(tmp_path, fakes):
    site = posting_site(tmp_path, fakes)
    page = site.client.get("/staff/").text
    fields = post_form(page, "mastodon", site.store.issues.open().articles[0].id)
    fields["text_hash"] = "0" * 64
    site.client.post("/staff/post", data=fields)
    assert "the post changed since the page was shown" in site.client.get("/staff/").text
    assert fakes.mastodon.posts == []


def test_the_sends_page_links_each_issues_posts_per_network(tmp_path, fakes):
    site = posting_site(tmp_path, fakes)
    page = site.client.get("/staff/").text
    issue = site.store.issues.open()
    for article in issue.articles:
        site.client.post("/staff/post", data=post_form(page, "bluesky", article.id))
    site.client.post("/staff/post", data=post_form(page, "mastodon", issue.articles[0].id))
    site.subscribers.add("ana@mail.example", now=site.clock(), source="staff")
    send_next_issue(site.settings, site.store, transport_for(site.settings), clock=site.clock)
    sends = site.client.get("/staff/sends").text
    row = sends.split(f'data-slug="{issue.slug}"', 1)[1].split("</tr>", 1)[0]
    ledger = Posts(site.store.engine)
    bluesky = [ledger.find(a.id, "bluesky").url for a in issue.articles]
    mastodon = ledger.find(issue.articles[0].id, "mastodon").url
    assert re.search(r'<p data-platform="bluesky">Bluesky: <a href="([^"]+)"[^>]*>post 1</a>, '
                     r'<a href="([^"]+)"', row).groups() == tuple(bluesky)
    assert f'<p data-platform="mastodon">Mastodon: <a href="{mastodon}"' in row
    assert 'data-platform="facebook"' not in row
