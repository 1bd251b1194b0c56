"""Whatever the bytes, building gives an issue or one clear error line: feeds and pages of
our own, mutated by hypothesis (truncated, bytes flipped, undeclared namespace prefixes,
the wrong encoding, huge attributes, control characters), are read, curated and rendered as
a build does."""

from datetime import date, datetime, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsletter.common.errors import FeedError, NewsletterError
from newsletter.common.settings import Settings
from newsletter.feed.curate import curate
from newsletter.feed.fetch import FetchResult
from newsletter.feed.reader import read_blog
from newsletter.issue.render import plan_issue, render_issue

from ..clinic_site import POSTS, ClinicSite
from ..helpers import FEEDS

NOW = datetime(2026, 1, 12, tzinfo=timezone.utc)
SITE = ClinicSite(feed=False, json_ld=True)
SITE.base = "https://clinic.example"
SEEDS = [(path.read_bytes(), None) for path in sorted((FEEDS / "quirks").iterdir())] + [
    ((FEEDS / "json-feed.json").read_bytes(), "application/feed+json"),
    (SITE.listing(POSTS).encode(), "text/html"),
    (SITE.post_page(POSTS[0], POSTS).encode(), "text/html; charset=utf-8"),
]


@st.composite
def mutated(draw):
    body, kind = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        body = draw(st.sampled_from(MUTATIONS))(draw, body)
    kind = draw(st.sampled_from([kind, None, "text/html", "application/rss+xml",
                                 "application/json", "text/plain; charset=utf-16"]))
    return body, kind


def truncate(draw, body):
    return body[:draw(st.integers(0, len(body)))]


def flip_bytes(draw, body):
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 8))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def undeclared_prefix(draw, body):
    tag = draw(st.sampled_from([b"itunes:subtitle", b"media:content", b"dc:creator", b"x:y"]))
    at = body.find(b"<item>") + 6 if b"<item>" in body else body.find(b"<body>") + 6
    return body[:max(at, 0)] + b"<" + tag + b' url="u">words</' + tag + b">" + body[max(at, 0):]


def wrong_encoding(draw, body):
    text = body.decode("utf-8", "replace")
    codec = draw(st.sampled_from(["utf-16", "cp1252", "latin-1", "utf-32"]))
    return text.encode(codec, "replace")


def huge_attribute(draw, body):
    size = draw(st.sampled_from([10_000, 200_000]))
    attribute = b' data-x="' + b"a" * size + b'"'
    spot = body.find(b"<img") + 4 if b"<img" in body else body.find(b"<") + 1
    return body[:spot] + attribute + body[spot:]


def cut_markup(draw, body):
    start = draw(st.integers(0, max(len(body) - 1, 0)))
    return body[:start] + body[start + draw(st.integers(1, 400)):]


def control_characters(draw, body):
    for _ in range(draw(st.integers(1, 6))):
        spot = draw(st.integers(0, len(body)))
        body = body[:spot] + bytes([draw(st.sampled_from([0, 1, 8, 11, 12, 27, 31]))]) + body[spot:]
    return body


def bad_character_references(draw, body):
    """References XML forbids (a lone surrogate, NUL, past Unicode), put anywhere: inside a
    namespace one once reached lxml's tag decoding."""
    for _ in range(draw(st.integers(1, 4))):
        spot = draw(st.integers(0, len(body)))
        ref = draw(st.sampled_from([b"&#xD800;", b"&#0;", b"&#x110000;", b"&#99999999;"]))
        body = body[:spot] + ref + body[spot:]
    return body


MUTATIONS = [truncate, flip_bytes, undeclared_prefix, wrong_encoding, huge_attribute, cut_markup,
             control_characters, bad_character_references]


def offline(body, kind):
    """The mutated bytes at the blog's address; every other address fails as offline."""
    def fetcher(url, **options):
        if url == "https://clinic.example/blog":
            return FetchResult(body, url, None, None, None, kind)
        raise FeedError(f"{url}: offline in this test")
    return fetcher


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(mutated())
def test_building_gives_an_issue_or_one_clear_error_line(case):
    body, kind = case
    try:
        reading = read_blog("https://clinic.example/blog", fetcher=offline(body, kind))
        articles = reading.parsed.articles
        selection = curate(articles, seen=set(), first_run=True, now=NOW, window_days=45,
                           cap=6, flood_threshold=8, backlog_max_days=60)
        if selection.articles:
            issue = plan_issue(selection.articles, slug="2026-01-12", day=date(2026, 1, 12),
                               clinic_name="Clinic")
            rendered = render_issue(issue, Settings().clinic)
            assert "<script" not in rendered.html.split("</head>", 1)[-1].lower()
            for article in selection.articles:
                assert article.title and "\n" not in article.title
                assert article.url.startswith(("http://", "https://"))
    except NewsletterError as error:
        message = str(error)
        assert message and "\n" not in message and len(message) < 1000, message


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20)
                           | st.just("https://clinic.example/x"),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["name", "url", "mime_type"]),
                                             inner, max_size=3), max_leaves=6)
ITEM_KEYS = ["id", "url", "title", "content_html", "content_text", "summary", "image",
             "banner_image", "date_published", "date_modified", "authors", "author", "tags",
             "attachments"]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(ITEM_KEYS), JSON_VALUES),
       st.sampled_from(["items", "authors", "title"]), JSON_VALUES)
@example({"tags": 3, "attachments": "x"}, "authors", {"name": 1})
def test_a_json_feed_of_any_shape_is_read_or_one_clear_error(item, key, value):
    import json
    feed = {"version": "https://jsonfeed.org/version/1.1", "items": [item], key: value}
    body = json.dumps(feed).encode()
    try:
        read_blog("https://clinic.example/blog", fetcher=offline(body, "application/feed+json"))
    except NewsletterError as error:
        assert "\n" not in str(error)


LD_KEYS = ["headline", "name", "url", "mainEntityOfPage", "datePublished", "dateModified",
           "author", "image", "description", "keywords", "articleSection", "articleBody",
           "blogPost", "itemListElement", "@id"]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(LD_KEYS), JSON_VALUES),
       st.sampled_from(["BlogPosting", "Blog", "ItemList", "WebPage"]))
@example({"headline": "A title", "articleSection": 2.5, "url": {"url": 5}}, "BlogPosting")
def test_json_ld_of_any_shape_is_read_or_one_clear_error(data, kind):
    import json
    page = (f'<html><head><script type="application/ld+json">'
            f'{json.dumps({"@type": kind, **data})}</script></head><body><h1>A post</h1>'
            f'<p>Its text, long enough to read as a sentence.</p></body></html>').encode()
    try:
        reading = read_blog("https://clinic.example/blog", fetcher=offline(page, "text/html"))
        for article in reading.parsed.articles:
            assert article.url.startswith("https://") and "\n" not in article.title
    except NewsletterError as error:
        assert "\n" not in str(error)
