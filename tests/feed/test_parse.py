"""parse_feed against real and hostile feeds: what each field of each article holds.

Expectations come from the feeds themselves where they can (read here with the standard
library's XML parser, an independent oracle) and from the comments the test feeds open with.
"""

import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from xml.sax.saxutils import escape

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.common.errors import FeedError
from newsletter.common.links import safe_url
from newsletter.common.text import cut, html_to_text
from newsletter.feed.images import image_in_html
from newsletter.feed.parse import parse_feed

from ..helpers import FEEDS, SAMPLES

NS = {"media": "http://search.yahoo.com/mrss/", "dc": "http://purl.org/dc/elements/1.1/",
      "content": "http://purl.org/rss/1.0/modules/content/"}
UTC = timezone.utc
BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def parsed(name, source=None, **options):
    path = SAMPLES / name if name.startswith("clinic.") else FEEDS / name
    return parse_feed(path.read_bytes(), source=source or str(path), **options)


def by_number(feed):
    """Articles keyed by the number their test-feed title starts with ("07. ..." -> 7)."""
    return {int(re.match(r"\d+", a.title).group()): a for a in feed.articles
            if re.match(r"\d+", a.title)}


def by_post(feed):
    """Articles keyed by the number in their address (".../posts/07-event-handlers" -> 7)."""
    return {int(re.search(r"/posts/(\d+)-", a.url).group(1)): a for a in feed.articles}


def text_fields(article):
    fields = [article.id, article.title, article.summary, article.author, article.url,
              *article.categories]
    if article.image:
        fields += [article.image.url, article.image.alt]
    return fields


def words_in(html):
    return len(lxml.html.fragment_fromstring(html, create_parent="div").text_content().split())


def squeeze(text):
    return " ".join(text.split())


# --- the bundled RSS sample -------------------------------------------------------------------

RSS_ITEMS = ET.parse(SAMPLES / "clinic.rss.xml").getroot().findall("./channel/item")


def test_sample_rss_has_eleven_articles_newest_first_in_feed_order():
    feed = parsed("clinic.rss.xml")
    assert feed.title == "Advanced Physical Medicine of St. Charles Blog"
    assert feed.link == "https://advancedphysicalmedicine.example/blog"
    assert feed.warnings == ()
    assert len(feed.articles) == len(RSS_ITEMS) == 11
    assert [a.title for a in feed.articles] == [i.findtext("title") for i in RSS_ITEMS]
    assert feed.articles[0].title == "Can Acupuncture Help With Back Pain?"
    assert feed.articles[-1].title == "Preventing Back Pain on Long Road Trips"
    dates = [a.published for a in feed.articles]
    assert dates == sorted(dates, reverse=True)


def test_sample_rss_ids_links_and_dates_are_the_feeds():
    feed = parsed("clinic.rss.xml")
    assert len(feed.articles) == len(RSS_ITEMS) > 0
    for article, item in zip(feed.articles, RSS_ITEMS):
        assert article.id == item.findtext("guid")
        assert article.url == item.findtext("link")
        assert article.published.tzinfo == UTC
        assert article.published.utcoffset() == timedelta(0)
        assert article.published == parsedate_to_datetime(item.findtext("pubDate"))
        assert article.updated is None
    central = timezone(timedelta(hours=-6))
    assert feed.articles[0].published == datetime(2026, 1, 6, 8, 0, tzinfo=central)
    assert feed.articles[0].published == datetime(2026, 1, 6, 14, 0, tzinfo=UTC)


def test_sample_rss_authors_only_where_dc_creator_is_given():
    feed = parsed("clinic.rss.xml")
    authors = [a.author for a in feed.articles]
    assert authors.count("Dr. Glenn") == 2
    assert authors.count("Advanced Physical Medicine") == 3
    assert authors.count("") == 6
    assert len(feed.articles) == len(RSS_ITEMS) > 0
    for article, item in zip(feed.articles, RSS_ITEMS):
        assert article.author == (item.findtext("dc:creator", "", NS))


def test_sample_rss_categories_in_feed_order():
    feed = parsed("clinic.rss.xml")
    assert len(feed.articles) == len(RSS_ITEMS) > 0
    for article, item in zip(feed.articles, RSS_ITEMS):
        assert article.categories == tuple(c.text for c in item.findall("category"))
    assert feed.articles[1].categories == ("Concussion", "Physical Therapy", "Recovery")


def test_sample_rss_every_article_has_its_media_image_with_the_media_description_as_alt():
    feed = parsed("clinic.rss.xml")
    assert len(feed.articles) == len(RSS_ITEMS) > 0
    for article, item in zip(feed.articles, RSS_ITEMS):
        media = item.find("media:content", NS)
        image = article.image
        assert image is not None, article.title
        assert image.url == media.get("url")
        assert image.url.startswith("https://")
        assert image.alt == squeeze(media.findtext("media:description", "", NS))
        assert image.alt and image.alt != article.title
        assert (image.width, image.height) == (1200, 800)


def test_sample_rss_summaries_are_the_teasers():
    feed = parsed("clinic.rss.xml")
    assert len(feed.articles) == len(RSS_ITEMS) > 0
    for article, item in zip(feed.articles, RSS_ITEMS):
        teaser = squeeze(item.findtext("description"))
        assert len(article.summary) <= 240
        assert article.summary == cut(teaser, 240)
        assert article.summary == teaser  # every teaser here is short enough to keep whole
    assert feed.articles[0].summary.startswith("Acupuncture is a drug-free option")


def test_sample_rss_summary_length_is_the_callers():
    feed = parsed("clinic.rss.xml", summary_chars=80)
    assert len(feed.articles) == len(RSS_ITEMS) > 0
    for article, item in zip(feed.articles, RSS_ITEMS):
        assert 0 < len(article.summary) <= 80
        assert article.summary == cut(squeeze(item.findtext("description")), 80)


def test_sample_rss_reading_time_follows_the_article_length():
    feed = parsed("clinic.rss.xml")
    assert len(feed.articles) == len(RSS_ITEMS) > 0
    for article, item in zip(feed.articles, RSS_ITEMS):
        words = words_in(item.findtext("content:encoded", "", NS))
        assert 1 <= article.reading_minutes <= 10
        assert abs(article.reading_minutes - words / 230) <= 1, article.title
    longest = max(feed.articles, key=lambda a: a.reading_minutes)
    assert longest.title == "Can Acupuncture Help With Back Pain?"
    assert all(a.reading_minutes < longest.reading_minutes for a in feed.articles[1:])


# --- the bundled Atom sample ------------------------------------------------------------------

def test_sample_atom_has_four_entries_matching_the_rss_articles():
    atom, rss = parsed("clinic.atom.xml"), parsed("clinic.rss.xml")
    assert len(atom.articles) == 4
    assert atom.warnings == ()
    same = {a.url: a for a in rss.articles}
    for entry in atom.articles:
        twin = same[entry.url]
        assert (entry.title, entry.published) == (twin.title, twin.published)
        assert entry.id.startswith("tag:advancedphysicalmedicine.example,")
    assert [a.author for a in atom.articles] == ["", "Dr. Glenn", "Dr. Glenn", ""]


def test_sample_atom_published_and_updated_are_kept_apart():
    acupuncture = parsed("clinic.atom.xml").articles[0]
    assert acupuncture.published == datetime(2026, 1, 6, 14, 0, tzinfo=UTC)
    assert acupuncture.updated == datetime(2026, 1, 8, 16, 20, tzinfo=UTC)


def test_sample_atom_lead_image_routes():
    acupuncture, concussion, football, whiplash = parsed("clinic.atom.xml").articles
    site = "https://advancedphysicalmedicine.example"
    # media:thumbnail (no description, so the title stands in as alt text)
    assert acupuncture.image.url == f"{site}/images/acupuncture-for-back-pain.jpg"
    assert (acupuncture.image.width, acupuncture.image.height) == (1200, 800)
    assert acupuncture.image.alt == acupuncture.title
    # <link rel="enclosure" type="image/jpeg">
    assert concussion.image.url == f"{site}/images/concussion-recovery-stages-timeline.jpg"
    assert concussion.image.alt == concussion.title
    # nothing at all
    assert football.image is None
    # the first <img> of the content, with its own alt text and size
    assert whiplash.image.url == f"{site}/images/inline/whiplash-physical-therapy-2.jpg"
    assert whiplash.image.alt == ("Physical therapist guiding a seated patient through a slow "
                                  "neck rotation exercise")
    assert (whiplash.image.width, whiplash.image.height) == (800, 533)


def test_sample_atom_relative_link_resolves_through_xml_base():
    whiplash = parsed("clinic.atom.xml").articles[3]
    assert whiplash.url == "https://advancedphysicalmedicine.example/blog/whiplash-physical-therapy"


def test_sample_atom_summaries_are_the_entry_summaries():
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ET.parse(SAMPLES / "clinic.atom.xml").getroot().findall(f"{atom}entry")
    articles = parsed("clinic.atom.xml").articles
    assert len(articles) == len(entries) > 0
    for article, entry in zip(articles, entries):
        assert len(article.summary) <= 240
        assert article.summary == squeeze(entry.findtext(f"{atom}summary"))
    assert articles[2].summary.startswith("Football will always carry")


# --- encodings ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, titles", [
    ("latin1.xml", ["Café and Stretches: Über-Easy Moves for the Mañana Routine",
                    "Price List: Massage £45, Acupuncture £60 (Año Nuevo Special)"]),
    ("cp1252-undeclared.xml", ["“Smart quotes” – and a €20 Voucher", "It’s 9–5 at the Clinic"]),
    ("utf8-bom.xml", ["Naïve café – “quoted” ✓ 🩺"]),
    ("utf16.xml", ["Größe, Ñandú and Ω – UTF-16 \U0001FA7A"]),
])
def test_titles_decode_exactly(name, titles):
    feed = parsed(name)
    assert [a.title for a in feed.articles] == titles
    for article in feed.articles:
        for field in text_fields(article) + [feed.title]:
            assert "\ufeff" not in field and "\ufffd" not in field
            assert not re.search("Ã|â€|Â", field), f"mojibake in {field!r}"


def test_encoding_details_in_text():
    assert parsed("latin1.xml").title == "Latin-1 Test Feed: Café Clínica"
    assert parsed("latin1.xml").articles[1].summary.startswith("Müller's Übungen für den Rücken")
    assert parsed("cp1252-undeclared.xml").articles[1].summary == "We’re open 9–5; parking costs €2."
    assert "日本語" in parsed("utf16.xml").articles[0].summary
    assert parsed("utf8-bom.xml").title == "UTF-8 BOM Test Feed"


@pytest.mark.parametrize("name", ["latin1.xml", "utf8-bom.xml", "utf16.xml"])
def test_correctly_declared_encodings_give_no_warning(name):
    assert parsed(name).warnings == ()


def test_mislabelled_cp1252_is_a_warning_not_an_error():
    feed = parsed("cp1252-undeclared.xml")
    assert len(feed.articles) == 2
    assert len(feed.warnings) == 1
    assert "windows-1252" in feed.warnings[0].lower()


# --- dates ----------------------------------------------------------------------------------

def test_rss_dates_naming_the_same_instant_are_equal():
    one, two, three, *_ = parsed("dates.xml").articles
    instant = datetime(2025, 10, 31, 13, 30, tzinfo=UTC)
    assert one.published == two.published == three.published == instant
    for article in (one, two, three):
        assert article.published.tzinfo == UTC


def test_a_date_without_a_time_is_midnight_utc():
    date_only = parsed("dates.xml").articles[3]
    assert date_only.published == datetime(2025, 10, 31, 0, 0, tzinfo=UTC)
    assert date_only.published.tzinfo == UTC


def test_an_unreadable_date_is_none_and_a_warning_naming_article_and_value():
    feed = parsed("dates.xml")
    unparseable = feed.articles[4]
    assert unparseable.title == "5. Unparseable date"
    assert unparseable.published is None and unparseable.updated is None
    warnings = [w for w in feed.warnings if "date" in w]
    assert len(warnings) == 1
    assert "5. Unparseable date" in warnings[0] and "next Tuesday" in warnings[0]


def test_no_date_is_none_without_a_warning():
    feed = parsed("dates.xml")
    undated = feed.articles[5]
    assert undated.title == "6. No date at all"
    assert undated.published is None
    assert not any("No date at all" in w for w in feed.warnings)
    assert len(feed.warnings) == 1
    assert len(feed.articles) == 6  # undated articles are kept, not dropped


def test_atom_dates():
    only_updated, published_z, plus_nine = parsed("atom-dates.atom").articles
    assert only_updated.published == datetime(2025, 10, 30, 14, 0, tzinfo=UTC)
    assert only_updated.published == only_updated.updated
    assert published_z.published == datetime(2025, 10, 31, 13, 30, tzinfo=UTC)
    assert published_z.updated == datetime(2025, 11, 2, 10, 0, tzinfo=UTC)
    assert plus_nine.published == published_z.published
    assert plus_nine.published.tzinfo == UTC
    assert parsed("atom-dates.atom").warnings == ()


# --- ill-formed XML ---------------------------------------------------------------------------

def test_illformed_feed_is_still_read_with_a_warning():
    feed = parsed("illformed.xml")
    assert [a.title for a in feed.articles] == [
        "1. Bare ampersand: Sprains & Strains", "2. Undefined entity: Rest Days", "3. Unclosed tag"]
    assert feed.articles[0].summary == "Ice & rest & gentle movement, in that order."
    assert len(feed.warnings) == 1
    assert "not well-formed" in feed.warnings[0]
    assert "3 article(s)" in feed.warnings[0]


# --- identity ---------------------------------------------------------------------------------

def test_ids():
    feed = parsed("ids.xml")
    titles = [a.title for a in feed.articles]
    assert titles == ["1. Opaque guid, not a permalink",
                      "2. No guid, link with tracking query and fragment",
                      "4. Duplicate guid (first of two)"]
    opaque, tracked, first = feed.articles
    assert opaque.id == "7f3c2a9e-1b4d-4e8a-9c11-0d5e6f7a8b90"
    assert opaque.url == "https://ids.example/posts/opaque"  # the link, not the guid
    assert tracked.id == "https://ids.example/posts/tracked"
    assert first.id == "duplicate-guid-42"
    assert first.url == "https://ids.example/posts/duplicate-a"


def test_an_article_with_neither_guid_nor_link_is_left_out_with_a_warning():
    warnings = parsed("ids.xml").warnings
    assert any("3. Neither guid nor link" in w and "left out" in w for w in warnings)


def test_a_repeated_guid_leaves_the_second_out_with_a_warning():
    warnings = parsed("ids.xml").warnings
    assert any("5. Duplicate guid (second of two)" in w and "left out" in w for w in warnings)
    assert len(warnings) == 2


def test_the_link_derived_id_ignores_campaign_tags_and_fragment():
    body = (FEEDS / "ids.xml").read_bytes()
    retagged = body.replace(b"utm_campaign=fall#comments",
                            b"utm_campaign=winter&amp;utm_content=b#top")
    assert retagged != body
    assert parse_feed(retagged, source="ids.xml").articles[1].id == \
        parsed("ids.xml").articles[1].id


# --- lead images ------------------------------------------------------------------------------

def test_image_sources():
    articles = by_number(parsed("images.xml"))
    img = "https://images.example/img/"
    assert len(articles) == 8
    one = articles[1].image
    assert one.url == img + "media-content.jpg" and (one.width, one.height) == (1200, 800)
    assert one.alt == "Therapist stretching a patient's hamstring on a treatment table"
    assert articles[2].image.url == img + "thumbnail.jpg"
    assert (articles[2].image.width, articles[2].image.height) == (640, 427)
    assert articles[3].image.url == img + "enclosure.png"
    assert articles[4].image is None  # an audio enclosure is not a picture
    assert articles[5].image.url == img + "content-alt.jpg"
    assert articles[5].image.alt == "Runner stretching her calves against a park bench"
    assert articles[6].image.url == img + "content-no-alt.jpg"
    assert articles[7].image.url == img + "untyped.jpg"
    assert articles[8].image is None


def test_images_without_words_take_the_title_as_alt():
    articles = by_number(parsed("images.xml"))
    for number in (2, 3, 6, 7):
        assert articles[number].image.alt == articles[number].title


def test_media_description_is_the_alt_text_and_description_the_teaser():
    first = by_number(parsed("images.xml"))[1]
    assert first.summary == "Teaser text for item 1 (the real summary, not the alt text)."
    assert "hamstring" not in first.summary


def test_media_description_wrapped_over_lines_is_still_not_the_teaser():
    body = (FEEDS / "images.xml").read_bytes().replace(
        b"Therapist stretching a patient's hamstring on",
        b"Therapist stretching a patient's hamstring\n          on")
    first = by_number(parse_feed(body, source="images.xml"))[1]
    assert first.image.alt == "Therapist stretching a patient's hamstring on a treatment table"
    assert first.summary == "Teaser text for item 1 (the real summary, not the alt text)."


def test_media_description_with_an_entity_is_still_not_the_teaser():
    body = (FEEDS / "images.xml").read_bytes().replace(
        b"a patient's hamstring", b"a patient&apos;s hamstring &amp; calf")
    first = by_number(parse_feed(body, source="images.xml"))[1]
    assert first.image.alt == \
        "Therapist stretching a patient's hamstring & calf on a treatment table"
    assert first.summary == "Teaser text for item 1 (the real summary, not the alt text)."


# --- relative addresses -------------------------------------------------------------------------

def expected_pairs(name):
    """The "relative -> absolute" table in the feed's opening comment."""
    comment = (FEEDS / name).read_text().split("-->")[0]
    return re.findall(r"(\S+)\s+->\s+(https://\S+)", comment)


# The feed's own address: a local file, beside the blog, or on another host entirely. Relative
# addresses in RSS resolve against the channel link, wherever the feed was fetched from.
SOURCES = [None, "https://clinic.example/blog/feed.xml", "https://clinic.example/feed/",
           "https://feeds.example/clinic-rss"]


@pytest.mark.parametrize("source", SOURCES)
def test_relative_rss_links_and_images_become_absolute(source):
    post_1, post_2 = parsed("relative.xml", source=source).articles
    assert post_1.url == "https://clinic.example/blog/post-1"
    assert post_1.image.url == "https://clinic.example/images/post-1.jpg"
    assert post_1.image.alt == "Root-relative lead image"
    assert post_2.url == "https://clinic.example/blog/post-2"
    assert post_2.image.url == "https://clinic.example/images/post-2.jpg"


@pytest.mark.parametrize("source", SOURCES)
def test_relative_rss_content_images_resolve_against_the_article(source):
    # without the first picture the second, document-relative one leads
    body = (FEEDS / "relative.xml").read_bytes().replace(
        b'<p><img src="/images/post-1.jpg" alt="Root-relative lead image" '
        b'width="800" height="533"></p>', b"")
    post_1 = parse_feed(body, source=source or "relative.xml").articles[0]
    assert post_1.image.url == "https://clinic.example/blog/images/post-1-b.jpg"
    assert post_1.image.alt == "Document-relative second image"


def test_relative_rss_table_is_what_resolution_against_the_article_gives():
    post_1 = parsed("relative.xml").articles[0]
    pairs = expected_pairs("relative.xml")
    assert len(pairs) == 9
    for relative, absolute in pairs:
        if relative in ("/blog/post-1", "post-2"):
            continue  # item links, checked above through parse_feed
        # content links never reach output as links; this is the rule content URLs follow
        assert safe_url(relative, post_1.url) == absolute, relative


@pytest.mark.parametrize("source", SOURCES)
def test_relative_atom_links_and_images_resolve_through_xml_base(source):
    one, two, three = parsed("relative.atom", source=source).articles
    assert one.url == "https://clinic.example/blog/post-1"
    assert one.image.url == "https://clinic.example/images/post-1.jpg"
    assert two.url == "https://clinic.example/news/2025/post-2"
    assert two.image.url == "https://clinic.example/news/banner.png"  # the enclosure leads
    assert three.url == "https://clinic.example/blog/archive/post-3"
    assert three.image is None


def test_relative_atom_content_image_resolves_through_the_entry_base():
    body = (FEEDS / "relative.atom").read_bytes().replace(
        b'<link rel="enclosure" type="image/png" length="2048" href="../banner.png"/>', b"")
    two = parse_feed(body, source="relative.atom").articles[1]
    assert two.image.url == "https://clinic.example/news/2025/img/post-2.jpg"
    assert two.image.alt == "Entry-base image"


def test_relative_atom_table():
    """The content links of the feed's table resolve against their entry's address; both
    rows must be in the table, or the loop would check nothing."""
    one, two, three = parsed("relative.atom").articles
    table = dict(expected_pairs("relative.atom"))
    for relative, article in (("../contact", one), ("./notes", three)):
        assert relative in table, relative
        assert safe_url(relative, article.url) == table[relative]


def test_atom_without_xml_base_resolves_against_the_feed_address():
    body = (FEEDS / "relative.atom").read_bytes().replace(
        b' xml:base="https://clinic.example/blog/"', b"")
    one, two, three = parse_feed(body, source="https://clinic.example/blog/relative.atom").articles
    assert one.url == "https://clinic.example/blog/post-1"
    assert one.image.url == "https://clinic.example/images/post-1.jpg"
    assert two.url == "https://clinic.example/news/2025/post-2"
    assert three.url == "https://clinic.example/blog/archive/post-3"


# --- a long article with no teaser ------------------------------------------------------------

def test_long_article_summary_comes_from_the_prose():
    feed = parsed("long.xml")
    (article,) = feed.articles
    assert len(article.summary) <= 240
    assert article.summary.startswith("Shoes with reasonable cushioning and a stable heel")
    assert article.summary.endswith(".")  # whole sentences fit in 240 characters
    for heading in ("Starting where you are", "Why small steps work"):
        assert heading not in article.summary


def test_long_article_summary_respects_a_smaller_limit():
    (article,) = parsed("long.xml", summary_chars=60).articles
    assert len(article.summary) <= 60
    assert article.summary.startswith("Shoes with")
    assert "Starting" not in article.summary


def test_long_article_reading_time_is_words_over_230():
    root = ET.parse(FEEDS / "long.xml").getroot()
    words = words_in(root.find("./channel/item").findtext("content:encoded", "", NS))
    assert 3000 < words < 3400
    (article,) = parsed("long.xml").articles
    assert article.reading_minutes == math.ceil(words / 230)
    assert article.reading_minutes == 14


# --- not a feed -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, reason", [
    ("not-a-feed.html", "HTML web page"),
    ("empty.xml", "empty"),
    ("binary.bin", "binary"),
])
def test_not_a_feed_is_a_clear_error_naming_the_source_and_reason(name, reason):
    path = FEEDS / name
    with pytest.raises(FeedError) as caught:
        parse_feed(path.read_bytes(), source=str(path))
    message = str(caught.value)
    assert str(path) in message
    assert reason in message.replace(str(path), "")  # "empty.xml" alone must not do
    assert "not a feed" in message
    assert caught.value.hint


def test_not_a_feed_names_a_web_address_too():
    with pytest.raises(FeedError, match=r"https://clinic\.example/blog/: .*HTML"):
        parse_feed((FEEDS / "not-a-feed.html").read_bytes(), source="https://clinic.example/blog/",
                   content_type="text/html; charset=utf-8")


def test_a_feed_with_no_entries_is_empty_not_an_error():
    feed = parsed("no-entries.xml")
    assert feed.articles == ()
    assert feed.warnings == ()
    assert feed.title == "Empty Channel Test Feed"
    assert feed.link == "https://empty.example/blog/"


# --- hostile input: sanitizer.xml ---------------------------------------------------------------

SANITIZER = (FEEDS / "sanitizer.xml").read_bytes()
# Every UPPER_CASE marker inside an attack. TEMPLATE_TEXT is left out: it sits in plain text
# between template tags and is meant to show, literally, as text ({% ... %} is never evaluated).
MARKERS = sorted(set(re.findall(r"\b[A-Z][A-Z_]*_TEXT\b", SANITIZER.decode()))
                 - {"SAFE_TEXT", "TEMPLATE_TEXT"})
# The same feed with no teasers, so every summary comes from the hostile content itself.
SANITIZER_CONTENT_ONLY = re.sub(rb"<description>.*?</description>", b"", SANITIZER, flags=re.S)


def sanitizer(content_only=False, source="https://sanitizer.example/feed.xml"):
    return parse_feed(SANITIZER_CONTENT_ONLY if content_only else SANITIZER, source=source)


def test_the_marker_list_is_complete():
    assert {"STEAL_COOKIES_SCRIPT_TEXT", "STYLE_BLOCK_TEXT", "SECRET_COMMENT_TEXT", "MSO_TEXT",
            "IFRAME_TEXT", "OBJECT_TEXT", "FORM_BUTTON_TEXT", "OVERLAY_TEXT",
            "SVG_SCRIPT_TEXT"} <= set(MARKERS)


@pytest.mark.parametrize("content_only", [False, True], ids=["teasers", "content-only"])
def test_no_attack_text_reaches_any_field(content_only):
    feed = sanitizer(content_only)
    assert len(feed.articles) == 25
    for article in feed.articles:
        for field in text_fields(article):
            for marker in MARKERS:
                assert marker not in field, (article.title, field)
            assert "%%" not in field, (article.title, field)
            assert not BAD_CHARS.search(field), (article.title, field)
            assert "\r" not in field and "\n" not in field, (article.title, field)
        for url in [article.url] + ([article.image.url] if article.image else []):
            assert re.match(r"https?://[^\s]+$", url), url
            assert not re.search("javascript:|vbscript:|data:", url, re.I), url
            assert "evil.example" not in url and "tracker.example" not in url, url


def test_no_markup_in_any_field():
    articles = sanitizer().articles
    assert len(articles) == 25
    for article in articles:
        for field in text_fields(article):
            assert "<" not in field and ">" not in field, (article.title, field)


RAW_CONTENT = [item.findtext("content:encoded", "", NS)
               for item in ET.fromstring(SANITIZER).findall("./channel/item")]


@pytest.mark.parametrize("number", range(1, 27))
def test_our_own_cleaning_holds_without_feedparsers_sanitizer(number):
    # feedparser already strips much of this; html_to_text must not rely on it
    text = html_to_text(RAW_CONTENT[number - 1])
    assert "SAFE_TEXT" in text
    for marker in MARKERS:
        assert marker not in text
    assert not BAD_CHARS.search(text) and "%%" not in text


def test_safe_text_survives_the_cleaning():
    articles = sanitizer(content_only=True).articles
    assert len(articles) == 25
    for article in articles:
        assert "SAFE_TEXT" in article.summary, (article.title, article.summary)


def test_escaped_markup_in_content_is_shown_as_text_not_obeyed():
    summary = by_post(sanitizer(content_only=True))[16].summary
    assert summary == "SAFE_TEXT: the title holds <b> and <script> tags."


def test_titles_with_markup_controls_and_placeholders_become_plain_single_lines():
    articles = by_post(sanitizer())
    assert articles[1].title == "01. Script element"
    assert articles[16].title == "Bold title"  # the script in the title is gone, text and all
    assert articles[17].title == "17. Header injection Bcc: victim@evil.example"
    assert articles[19].title == "19. Placeholder injection: click %UNSUBSCRIBE_URL% now"
    assert "[a\u200db]" in articles[20].title  # a joiner is a real character and stays
    assert len(articles[21].title) <= 200


def test_double_escaped_ampersand_reads_as_meant():
    assert by_post(sanitizer())[18].title == "Fish & Chips"


def test_emoji_sequences_and_right_to_left_text_survive_intact():
    articles = by_post(sanitizer())
    emoji = articles[23]
    for sequence in ("👩\u200d⚕️", "👨\u200d👩\u200d👧", "🏃🏽\u200d♀️", "🇺🇸"):
        assert sequence in emoji.title
    assert "👩\u200d⚕️👨\u200d⚕️" in emoji.summary
    rtl = articles[22]
    assert rtl.title == "22. Right-to-left: العلاج الطبيعي / פיזיותרפיה"
    assert "العلاج الطبيعي يساعد على التعافي." in rtl.summary
    assert "פיזיותרפיה עוזרת להחלמה." in rtl.summary
    content = by_post(sanitizer(content_only=True))
    assert "👨\u200d👩\u200d👧 family, 🏃🏽\u200d♀️ runner" in content[23].summary


def test_the_right_to_left_override_is_removed_from_text():
    body = SANITIZER_CONTENT_ONLY.replace(b"<p>SAFE_TEXT in English",
                                          b"<p>Report&#x202E;fdp.exe. SAFE_TEXT in English")
    rtl = by_post(parse_feed(body, source="sanitizer.xml"))[22]
    assert "Reportfdp.exe." in rtl.summary


def test_a_javascript_item_link_drops_the_article_with_a_warning():
    feed = sanitizer()
    assert not any(a.title.startswith("24.") for a in feed.articles)
    assert len(feed.warnings) == 1
    assert "24. Item link is javascript:" in feed.warnings[0]
    assert "left out" in feed.warnings[0]


@pytest.mark.parametrize("number", [9, 10, 25, 26])
def test_tracking_pixels_and_unsafe_image_urls_never_lead(number):
    assert by_post(sanitizer())[number].image is None


def test_an_image_with_event_handlers_keeps_only_its_address_and_words():
    for source in ("sanitizer.xml", "https://sanitizer.example/feed.xml",
                   "https://feeds.example/s"):
        image = by_post(sanitizer(source=source))[7].image
        assert image.url == "https://sanitizer.example/posts/x.jpg", source
        assert image.alt == "image with handlers"


def test_a_base_element_in_content_cannot_move_images_to_another_site():
    html = '<base href="https://evil.example/"><p><img src="/lead.jpg" alt="Lead"></p>'
    image = image_in_html(html, "https://sanitizer.example/posts/14-base")
    assert image.url == "https://sanitizer.example/lead.jpg"


@pytest.mark.parametrize("src", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "vbscript:msgbox(1)", "data:image/png;base64,iVBORw0KGgo=",
    "//", "https://", "///lead.jpg", "mailto:a@b.example", "javascript://x.example/%0Aalert(1)",
])
def test_only_http_addresses_are_ever_an_image(src):
    html = f'<p><img src="{escape(src, {chr(34): "&quot;"})}" alt="x" width="800"></p>'
    assert image_in_html(html, "https://clinic.example/blog/post") is None


@pytest.mark.parametrize("url", [
    "java\x00script:alert(1)", "\x01javascript:alert(1)", "java\tscript:alert(1)",
    " jav\na\rscript:alert(1)", "javascript\x0b:alert(1)", "vb\x7fscript:msgbox(1)",
])
def test_control_characters_cannot_disguise_a_scheme(url):
    assert safe_url(url, "https://clinic.example/blog/post") is None


@given(st.text(), st.sampled_from(["", "https://clinic.example/blog/post", "http://x.example"]))
def test_safe_url_gives_a_clean_http_address_or_nothing(url, base):
    result = safe_url(url, base)
    if result is not None:
        assert re.match(r"https?://[^/?#\s]", result, re.I), result
        assert not re.search("[\x00-\x20\x7f]", result), repr(result)
        assert "%%" not in result


def test_a_placeholder_in_an_address_is_escaped_so_it_can_never_be_filled_in():
    # were it filled in per subscriber, the tracker would learn every unsubscribe link
    html = '<img src="https://tracker.example/p.gif?u=%%UNSUBSCRIBE_URL%%&amp;x=%41" alt="x">'
    image = image_in_html(html, "https://clinic.example/blog/post")
    assert image.url == "https://tracker.example/p.gif?u=%25%25UNSUBSCRIBE_URL%25%25&x=%41"
    body = SANITIZER.replace(
        b"<link>https://sanitizer.example/posts/19-placeholder</link>",
        b"<link>https://sanitizer.example/posts/19-placeholder?%%GREETING%%</link>")
    article = by_post(parse_feed(body, source="sanitizer.xml"))[19]
    assert article.url == "https://sanitizer.example/posts/19-placeholder?%25%25GREETING%25%25"


def test_markup_in_an_author_name_is_plain_text():
    body = (FEEDS / "sanitizer.xml").read_bytes().replace(
        b"<title>01. Script element</title>",
        b'<title>01. Script element</title><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"&lt;b&gt;Dr.&lt;/b&gt; Glenn&lt;script&gt;alert(1)&lt;/script&gt;</dc:creator>")
    article = by_post(parse_feed(body, source="sanitizer.xml"))[1]
    assert article.author == "Dr. Glenn"


# --- arbitrary text -----------------------------------------------------------------------------

def rss_with(text):
    safe = escape(text)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Fuzz {safe}</title><link>https://fuzz.example/</link><description>d</description>
<item><title>{safe}</title><link>https://fuzz.example/a</link><guid>a</guid>
<description>{safe}</description><content:encoded>{safe}</content:encoded></item>
<item><title>Second {safe}</title><link>https://fuzz.example/b</link><guid>b</guid>
<description>&lt;p&gt;{escape(safe)}&lt;img src="https://fuzz.example/i.jpg"
 alt="{escape(escape(text, {'"': "&quot;"}))}"&gt;&lt;/p&gt;</description>
<category>{safe}</category></item>
</channel></rss>""".encode()


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text())
def test_arbitrary_text_yields_clean_fields_or_a_feed_error(text):
    try:
        feed = parse_feed(rss_with(text), source="https://fuzz.example/feed.xml")
    except FeedError:
        return
    assert "\n" not in feed.title
    for article in feed.articles:
        one_liners = [article.title, article.author, article.id, *article.categories]
        if article.image:
            one_liners.append(article.image.alt)
        for field in one_liners:
            assert "\n" not in field and "\r" not in field, repr(field)
        for field in text_fields(article) + [feed.title]:
            assert not CONTROL.search(field), repr(field)
            assert "%%" not in field, repr(field)
        assert len(article.summary) <= 240
