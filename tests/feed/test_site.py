"""Given only the clinic's blog page address, with or without a feed link, with or without
JSON-LD, `newsletter build --feed URL` builds the right issue and `newsletter feed check`
explains what it found; the pages are read politely. Against the fixture clinic site
(tests/clinic_site.py) on the tests' real HTTP server, through the real console script."""

import dataclasses
import json
from datetime import datetime, timezone

import lxml.html
import pytest

from newsletter.common.errors import FeedError
from newsletter.common.settings import Settings
from newsletter.feed.fetch import fetch
from newsletter.feed.pages import article_from_page
from newsletter.feed.reader import read_blog
from newsletter.issue.build import build_next_issue
from newsletter.storage.store import Store

from ..clinic_site import CDN, POSTS, ClinicSite
from ..helpers import run_cli

NOW = datetime(2026, 1, 12, 15, tzinfo=timezone.utc)
NEWEST = POSTS[:3]  # a first run: the latest burst (45 days) of the newest six
CHROME = ("Share this article", "Connect with Us", "Read More", "Chiropractic Care",
          "Contact Us", "St. Charles, MO", "Our Blog")


def read(server, site, **options):
    site.serve(server)
    return read_blog(server.url("/blog"), fetcher=fetch, user_agent="clinic-newsletter/test",
                     **options)


@pytest.mark.parametrize("json_ld", [True, False])
def test_a_blog_without_a_feed_is_read_from_its_pages(feed_server, json_ld):
    site = ClinicSite(feed=False, json_ld=json_ld)
    reading = read(feed_server, site)
    assert reading.found == "pages"
    assert reading.notes and "no feed found" in reading.notes[0]
    articles = reading.parsed.articles
    assert [a.title for a in articles] == [p.title for p in POSTS]
    for article, post in zip(articles, POSTS):
        assert article.url == site.url(post)
        assert article.origin == "page"
        assert article.published.date() == post.day
        assert article.author == post.author
        assert article.image is not None and article.image.url.startswith(CDN + "/")
        assert "+" in article.image.url and "%28" in article.image.url or \
            "%28" not in post.picture
        assert article.image.alt == post.alt
        assert article.summary == post.teaser
        for words in CHROME:
            assert words not in article.summary and words not in article.title
    acupuncture = articles[0]
    assert acupuncture.image.url == f"{CDN}/needles+in+the+lower+back+%28treatment+room%29-1920w.jpg"
    assert acupuncture.image.width == 1920
    assert acupuncture.reading_minutes >= 2


def test_duda_picture_addresses_keep_their_plus_and_escapes(feed_server):
    site = ClinicSite(feed=False, json_ld=False)
    cards_only = read(feed_server, site, max_pages=1).parsed.articles
    assert cards_only[1].image.url == f"{CDN}/head+impact+illustration+%28brain%29-640w.jpg"
    assert cards_only[1].image.width == 640


def test_the_pages_are_read_politely(feed_server):
    site = ClinicSite(feed=False, disallow=f"/blog/{POSTS[2].slug}")
    reading = read(feed_server, site, max_pages=4)
    pages = [r.path for r in feed_server.requests if r.path.startswith("/blog/")]
    assert len(pages) == 4, "at most max_pages article pages a run"
    assert f"/blog/{POSTS[2].slug}" not in pages, "robots.txt is obeyed"
    assert len(feed_server.requests_to("/robots.txt")) == 1
    for request in feed_server.requests:
        assert request.headers["User-Agent"] == "clinic-newsletter/test"
    assert any("not read this run" in w for w in reading.parsed.warnings)
    assert reading.parsed.articles[2].title == POSTS[2].title  # from its card
    remembered = {page.url: page for page in reading.pages}
    again = read_blog(feed_server.url("/blog"), fetcher=fetch, max_pages=4,
                      recall=remembered.get)
    conditional = [r for r in feed_server.requests[-6:] if r.path == f"/blog/{POSTS[0].slug}"]
    assert conditional and conditional[0].headers.get("If-None-Match") == f'"{POSTS[0].slug}-v1"'
    assert again.parsed.articles[0] == reading.parsed.articles[0]


def test_an_unchanged_page_is_taken_from_memory(feed_server):
    site = ClinicSite(feed=False)
    first = read(feed_server, site, max_pages=2)
    feed_server.route(f"/blog/{POSTS[0].slug}", status=304)
    remembered = {page.url: page for page in first.pages}
    again = read_blog(feed_server.url("/blog"), fetcher=fetch, max_pages=2,
                      recall=remembered.get)
    assert again.parsed.articles[0] == first.parsed.articles[0]


def test_a_page_that_fails_is_one_warning_and_its_card_stands_in(feed_server):
    site = ClinicSite(feed=False)
    site.serve(feed_server)
    feed_server.route(f"/blog/{POSTS[1].slug}", status=500)
    reading = read_blog(feed_server.url("/blog"), fetcher=fetch)
    warning = next(w for w in reading.parsed.warnings if POSTS[1].slug in w)
    assert "500" in warning and "\n" not in warning
    assert reading.parsed.articles[1].title == POSTS[1].title
    assert reading.parsed.articles[1].author == "Dr. Glenn"


def test_cards_without_titles_take_the_title_from_the_post_page(feed_server):
    reading = read(feed_server, ClinicSite(feed=False, titles_on_cards=False))
    assert [a.title for a in reading.parsed.articles] == [p.title for p in POSTS]


def test_a_feed_linked_from_the_page_is_found_and_used(feed_server):
    reading = read(feed_server, ClinicSite(feed=True))
    assert reading.found == "feed link"
    assert reading.address == feed_server.url("/blog/rss.xml")
    assert "set feed.source to it" in reading.notes[0]
    assert [a.origin for a in reading.parsed.articles] == ["feed"] * len(POSTS)
    assert not feed_server.requests_to(f"/blog/{POSTS[0].slug}"), "no page read"


@pytest.mark.parametrize("generator, place, platform", [
    ("", "/feed/rss2", "duda"),  # the clinic's own site: Duda, known by its image host
    ("WordPress 6.4.2", "/blog/feed/", "wordpress"),
    ("Blogger", "/feeds/posts/default", "blogger"),
    ("Ghost 5.82", "/rss/", "ghost"),
    ("Wix.com Website Builder", "/blog-feed.xml", "wix"),
    ("Hugo 0.120.4", "/blog/index.xml", "hugo"),
])
def test_a_platform_feed_is_found_where_the_platform_keeps_it(feed_server, generator, place,
                                                              platform):
    site = ClinicSite(feed=True)
    site.serve(feed_server)
    listing = site.listing(POSTS).replace('<link rel="alternate"', '<link rel="x"')
    if generator:
        listing = listing.replace("<head>", f'<head><meta name="generator" content="{generator}">',
                                  1)
        assert generator in listing
    feed_server.route("/blog", body=listing, headers={"Content-Type": "text/html"})
    feed_server.route(place, body=site.rss(POSTS), headers={"Content-Type": "application/rss+xml"})
    reading = read_blog(feed_server.url("/blog"), fetcher=fetch)
    assert reading.found == "platform feed"
    assert reading.address == feed_server.url(place)
    assert platform in str(reading.notes[0])
    assert [a.title for a in reading.parsed.articles][:3] == [p.title for p in POSTS[:3]]


def test_a_page_with_no_blog_is_one_clear_error(feed_server):
    feed_server.route("/", body="<!DOCTYPE html><html><head><title>Home</title></head><body>"
                                "<nav><a href='/about'>About</a></nav><h1>Welcome</h1>"
                                "<p>We fix roofs.</p></body></html>",
                      headers={"Content-Type": "text/html"})
    with pytest.raises(FeedError, match="no feed, and no articles found on the page"):
        read_blog(feed_server.url("/"), fetcher=fetch)


# --- through the console script -------------------------------------------------------------

def config(tmp_path, **issue):
    (tmp_path / "newsletter.toml").write_text(
        "[issue]\n" + "".join(f"{k} = {v}\n" for k, v in issue.items()), encoding="utf-8")


@pytest.mark.parametrize("feed, json_ld", [(False, True), (False, False), (True, False)])
def test_newsletter_build_from_the_blog_page_alone(feed_server, tmp_path, feed, json_ld):
    site = ClinicSite(feed=feed, json_ld=json_ld)
    site.serve(feed_server)
    result = run_cli("build", "--feed", feed_server.url("/blog"), "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    issue = json.loads((tmp_path / "out" / "issue.json").read_text(encoding="utf-8"))
    assert [a["title"] for a in issue["articles"]][:1] == [POSTS[0].title]
    assert issue["subject"].startswith(POSTS[0].title)
    assert "Untitled" not in issue["subject"] and not issue["preheader"].startswith("Also")
    for article in issue["articles"]:
        assert article["source"] == ("feed" if feed else "page")
        for words in CHROME:
            assert words not in article["summary"]
    if feed:
        assert "found the blog's feed in the page's links" in result.stdout
    else:
        lead = issue["articles"][0]
        assert lead["image"]["url"] == \
            f"{CDN}/needles+in+the+lower+back+%28treatment+room%29-1920w.jpg"
        assert lead["image"]["alt"] == POSTS[0].alt
        assert [a["author"] for a in issue["articles"]][1] == "Dr. Glenn"
        assert "read" in result.stdout and "from the blog's pages" in result.stdout
    html = (tmp_path / "out" / "email.html").read_text(encoding="utf-8")
    for words in CHROME[:2]:
        assert words not in html


def test_newsletter_feed_check_explains_what_it_found_and_stores_nothing(feed_server, tmp_path):
    ClinicSite(feed=False, json_ld=False).serve(feed_server)
    result = run_cli("feed", "check", feed_server.url("/blog"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{feed_server.url('/blog')}: a blog without a feed, read from its pages" in out
    assert f"{len(POSTS)} article(s) read; the next issue would hold" in out
    assert POSTS[0].title in out and "by Dr. Glenn" in out
    assert "Nothing was stored." in out
    assert not (tmp_path / "newsletter.db").exists()


def test_newsletter_feed_check_names_the_feed_it_found(feed_server, tmp_path):
    ClinicSite(feed=True).serve(feed_server)
    result = run_cli("feed", "check", feed_server.url("/blog"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "a web page that links its feed" in result.stdout
    assert feed_server.url("/blog/rss.xml") in result.stdout


def test_newsletter_feed_check_of_a_dead_address_is_one_clear_line(tmp_path):
    result = run_cli("feed", "check", "http://127.0.0.1:9/blog", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("error: http://127.0.0.1:9/blog: ")


def test_a_second_build_reads_the_feed_it_found_directly(feed_server, tmp_path):
    ClinicSite(feed=True).serve(feed_server)
    base = Settings(base_dir=tmp_path)
    settings = dataclasses.replace(
        base, feed=dataclasses.replace(base.feed, source=feed_server.url("/blog")),
        store=dataclasses.replace(base.store, database_url="sqlite:///state.db"))
    store = Store.open(settings.database_url)
    build_next_issue(settings, store, now=NOW)
    assert store.feed(settings.feed_source).url == feed_server.url("/blog/rss.xml")
    before = len(feed_server.requests_to("/blog"))
    build_next_issue(settings, store, now=NOW)
    assert len(feed_server.requests_to("/blog")) == before


@pytest.mark.parametrize("json_ld", [True, False])
def test_an_issue_read_from_the_pages_passes_the_email_checklist(feed_server, json_ld):
    from .. import checklist
    from ..helpers import rendered

    articles = read(feed_server, ClinicSite(feed=False, json_ld=json_ld)).parsed.articles[:4]
    _, html, expect = rendered(articles)
    assert checklist.problems(html, expect) == []
    assert 'src="https://lirp.cdn-website.com/5c1e7a2b/dms3rep/multi/opt/' \
           'needles+in+the+lower+back+%28treatment+room%29-1920w.jpg"' in html


def test_a_second_build_asks_only_whether_the_open_issues_pages_changed(feed_server, tmp_path):
    ClinicSite(feed=False).serve(feed_server)
    base = Settings(base_dir=tmp_path)
    settings = dataclasses.replace(
        base, feed=dataclasses.replace(base.feed, source=feed_server.url("/blog")),
        store=dataclasses.replace(base.store, database_url="sqlite:///state.db"))
    store = Store.open(settings.database_url)
    first = build_next_issue(settings, store, now=NOW)
    assert [a.title for a in first.issue.articles] == [p.title for p in NEWEST]
    feed_server.requests.clear()
    second = build_next_issue(settings, store, now=NOW)
    assert second.issue.articles == first.issue.articles
    pages = [r for r in feed_server.requests if r.path.startswith("/blog/")]
    assert sorted(r.path for r in pages) == sorted(f"/blog/{p.slug}" for p in NEWEST), \
        "the pages of articles remembered on the first run are not read again"
    for request in pages:
        assert request.headers.get("If-None-Match") == f'"{request.path.rsplit("/", 1)[1]}-v1"'


@pytest.mark.parametrize("headline, og_title, site, title", [
    ("Ice or heat? - Riverside Physio - Medium", "Ice or heat?", "Medium", "Ice or heat?"),
    ("Ice or heat? @ Riverside Physio :: Blog Host ::", "Ice or heat? @ Riverside Physio "
     ":: Blog Host ::", "Riverside Physio", "Ice or heat?"),
    ("Ice or heat? | Riverside Physio", "", "Riverside Physio", "Ice or heat?"),
    ("Meet us @ the fair", "Meet us @ the fair", "Riverside Physio", "Meet us @ the fair"),
])
def test_a_pages_title_loses_what_the_site_adds_after_it(headline, og_title, site, title):
    """Publishing platforms append the publication, the site and the host to a headline."""
    meta = f'<meta property="og:title" content="{og_title}">' if og_title else ""
    body = (f'<html><head><title>{headline}</title>{meta}'
            f'<meta property="og:site_name" content="{site}"><meta property="og:type" '
            f'content="article"><script type="application/ld+json">{{"@type": "BlogPosting", '
            f'"headline": "{headline}", "datePublished": "2025-12-01"}}</script></head>'
            f'<body><article><h1>{headline}</h1><p>Ice first, heat later.</p></article>'
            f'</body></html>').encode()
    article = article_from_page(lxml.html.document_fromstring(body), body,
                                "https://clinic.example/blog/ice", summary_chars=240)
    assert article.title == title
