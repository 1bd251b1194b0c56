"""Choosing what `newsletter social` shows, and the shapes staff get: social.json and the
terminal listing."""

from datetime import datetime, timezone

import pytest

from newsletter.common.errors import NewsletterError, NotFound
from newsletter.common.model import Article
from newsletter.social.files import choose_articles, listing, platform_names, snippets_document
from newsletter.social.snippets import compose_all

from ..helpers import sample_articles

CLINIC = "Advanced Physical Medicine of St. Charles"


def article(slug: str, day: int | None) -> Article:
    return Article(id=f"urn:{slug}", title=slug.title(), url=f"https://clinic.com/blog/{slug}",
                   summary="", published=datetime(2026, 11, day, tzinfo=timezone.utc)
                   if day else None)


ISSUE = (article("older", 2), article("newest", 20), article("undated", None))


@pytest.mark.parametrize("name, expected", [
    (None, ("x", "facebook", "linkedin", "instagram", "mastodon", "bluesky", "threads",
            "google_business")),
    ("X", ("x",)), ("twitter", ("x",)), ("Google-Business", ("google_business",)),
    ("gbp", ("google_business",)), ("bluesky", ("bluesky",)),
])
def test_platform_names(name, expected):
    assert platform_names(name) == expected


def test_an_unknown_platform_names_the_ones_there_are():
    with pytest.raises(NotFound) as raised:
        platform_names("myspace")
    assert str(raised.value) == "no platform called 'myspace'"
    assert "x, facebook, linkedin" in raised.value.hint


@pytest.mark.parametrize("wanted", ["urn:older", "https://clinic.com/blog/older", "older"])
def test_an_article_is_found_by_id_address_or_slug(wanted):
    assert choose_articles(ISSUE, article_id=wanted) == (ISSUE[0],)


def test_latest_is_the_newest_by_date_and_nothing_chosen_is_all():
    assert choose_articles(ISSUE, latest=True) == (ISSUE[1],)
    assert choose_articles(ISSUE) == ISSUE


def test_an_unknown_article_or_two_ways_of_choosing_is_an_error():
    with pytest.raises(NotFound, match="no article 'nope' in this issue") as raised:
        choose_articles(ISSUE, article_id="nope")
    assert raised.value.hint == "its articles are: urn:older; urn:newest; urn:undated"
    with pytest.raises(NewsletterError, match="--article and --latest"):
        choose_articles(ISSUE, article_id="older", latest=True)


def test_social_json_has_every_article_on_every_platform():
    feed = sample_articles()[:2]
    document = snippets_document("2026-11-30", feed, compose_all(feed, clinic_name=CLINIC))
    assert document["issue"] == "2026-11-30"
    assert [a["id"] for a in document["articles"]] == [a.id for a in feed]
    for entry in document["articles"]:
        assert [s["platform"] for s in entry["snippets"]] == list(document["platforms"])
    bluesky = document["articles"][0]["snippets"][5]
    assert bluesky["platform"] == "bluesky" and bluesky["bytes"] <= 3000
    assert {f["features"][0]["$type"] for f in bluesky["facets"]} == {
        "app.bsky.richtext.facet#link", "app.bsky.richtext.facet#tag"}


def test_the_listing_shows_count_text_and_what_goes_beside_it():
    snippet = compose_all(sample_articles()[:1], clinic_name=CLINIC, platforms=("instagram",))[0]
    lines = listing(snippet).splitlines()
    assert lines[0] == f"--- Instagram · {snippet.length}/2200 ---"
    assert "\n".join(lines[1:]).startswith(snippet.text + "\n\nlink (bio): https://")
    assert lines[-1].startswith("alt: Close-up of fine acupuncture needles")
