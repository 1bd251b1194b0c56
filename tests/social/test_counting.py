"""Counting as each platform counts: X against twitter-text's own conformance cases, the
others against examples that trip naive counters (ZWJ emoji, flags, CJK, combining marks)."""

import json
from pathlib import Path

import pytest

from newsletter.social.counting import (PLATFORMS, fits, graphemes, mastodon_length,
                                         threads_length, utf16_units, x_length)

CONFORMANCE = json.loads((Path(__file__).resolve().parent.parent / "data" / "twitter_text_weighted.json")
                         .read_text(encoding="utf-8"))
CASES = CONFORMANCE["cases"]

FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # 4 people, 3 joiners
FLAG_US = "\U0001F1FA\U0001F1F8"
THUMBS_UP_DARK = "\U0001F44D\U0001F3FF"
X = PLATFORMS["x"]


@pytest.mark.parametrize("case", CASES, ids=[c["description"][:60] for c in CASES])
def test_x_weighted_length_matches_twitter_text_conformance(case):
    assert x_length(case["text"]) == case["weightedLength"]
    assert fits(X, case["text"]) == case["valid"]


def test_the_stored_conformance_texts_are_intact():
    """Each case states its UTF-16 length; a lost joiner or a normalised accent shows here."""
    assert len(CASES) == 27
    for case in CASES:
        assert utf16_units(case["text"]) == case["displayRangeEnd"] + 1, case["description"]


@pytest.mark.parametrize("text, expected", [
    ("Back pain", 9),
    (FAMILY, 2),                         # one emoji sequence, however many code points
    (FLAG_US, 2),
    (THUMBS_UP_DARK, 2),
    ("1\u20e3", 2),                      # keycap
    ("\u2764\ufe0f", 2),
    ("腰痛", 4),                          # CJK weighs 2
    ("e\u0301", 1),                      # NFC makes it one é
    ("नमस्ते", 6),                        # Devanagari: 6 code points of weight 1
    ("שלום עולם", 9),                    # Hebrew: weight 1, right to left changes nothing
    ("“quoted” — yes", 14),              # general punctuation weighs 1
    ("clinic.com", 23),                  # a bare domain X knows is a link
    ("see https://clinic.com/blog/back-pain?utm_source=x&utm_medium=social.", 4 + 23 + 1),
    ("https://clinic.example/blog", 27),  # .example is no TLD: X does not link it
    ("node.js", 7),
    ("mail@clinic.com", 15),             # no link starts right after @: an address is text
])
def test_x_examples(text, expected):
    assert x_length(text) == expected


def test_x_counts_a_link_past_4096_characters_in_full():
    link = "https://clinic.com/" + "a" * 5000
    assert x_length(link) == len(link)
    assert x_length("https://clinic.com/" + "a" * 4000) == 23


def test_mastodon_counts_graphemes_links_as_23_and_remote_mentions_by_user():
    assert mastodon_length(FAMILY + FLAG_US + "e\u0301") == 3
    assert mastodon_length("Read https://clinic.com/blog/" + "x" * 100) == 5 + 23
    assert mastodon_length("thanks @jo@physio.social!") == len("thanks @jo!")
    assert mastodon_length("@jo hi") == 6


def test_mastodon_never_undercounts_a_link_it_may_not_recognise():
    long_link = "https://clinic.example/" + "a" * 60
    assert mastodon_length(long_link) == len(long_link)
    assert mastodon_length("https://a.example") == 23


def test_bluesky_counts_graphemes_and_bytes():
    bluesky = PLATFORMS["bluesky"]
    assert graphemes(FAMILY * 3 + "abc") == 6
    assert fits(bluesky, "a" * 300) and not fits(bluesky, "a" * 301)
    assert graphemes(FAMILY * 300) == 300
    assert not fits(bluesky, FAMILY * 300)  # 300 graphemes, 7,500 bytes
    assert fits(bluesky, FAMILY * 120)  # 3,000 bytes exactly


def test_threads_counts_emoji_by_their_utf8_bytes():
    assert threads_length("ok") == 2
    assert threads_length("\U0001F637") == 4
    assert threads_length(FAMILY) == 25
    assert threads_length("腰痛 " + FLAG_US) == 3 + 8


def test_threads_takes_at_most_five_links():
    threads = PLATFORMS["threads"]
    assert fits(threads, " ".join(f"https://clinic.com/{n}" for n in range(5)))
    assert not fits(threads, " ".join(f"https://clinic.com/{n}" for n in range(6)))


def test_utf16_platforms_count_astral_characters_twice():
    assert utf16_units("a\U0001F637") == 3
    assert PLATFORMS["facebook"].length(FAMILY) == 11


def test_every_platform_has_its_published_limit_and_hashtag_cap():
    table = {p.name: (p.limit, p.hashtag_cap, p.link_in_text) for p in PLATFORMS.values()}
    assert table == {
        "x": (280, 2, True), "facebook": (63_206, 3, True), "linkedin": (3_000, 3, True),
        "instagram": (2_200, 5, False), "mastodon": (500, 4, True),
        "bluesky": (300, 3, True), "threads": (500, 1, True),
        "google_business": (1_500, 0, False),
    }


def test_nothing_fits_when_empty_or_holding_a_character_x_refuses():
    assert not fits(X, "")
    assert not fits(X, "   ")
    assert not fits(X, "ok\ufffe")
    assert fits(X, "ok")
