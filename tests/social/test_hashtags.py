"""Hashtags from categories: CamelCase words that every platform links, never twice, never
more than a platform takes."""

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.social.hashtags import hashtag, hashtags


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=12), st.integers(min_value=0, max_value=6))
def test_hashtags_are_camel_case_words_unique_and_capped(categories, cap):
    tags = hashtags(tuple(categories), cap)
    assert len(tags) <= cap
    assert len({tag.casefold() for tag in tags}) == len(tags)
    for tag in tags:
        assert regex.fullmatch(r"#[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}]*", tag), tag
        assert not tag[1:].isdigit()


@pytest.mark.parametrize("category, expected", [
    ("back pain", "#BackPain"), ("physical-therapy", "#PhysicalTherapy"),
    ("Sports Injuries", "#SportsInjuries"), ("COVID-19", "#COVID19"), ("2024", ""),
    ("  ", ""), ("❤️ Health", "#Health"), ("腰痛", "#腰痛"), ("e\u0301tirement", "#E\u0301tirement"),
    ("a" * 51, ""),
])
def test_hashtag_of_a_category(category, expected):
    assert hashtag(category) == expected


def test_hashtags_drop_duplicates_whatever_their_case_and_keep_the_first():
    assert hashtags(("Back pain", "back-pain", "BACK PAIN", "Recovery"), 5) == (
        "#BackPain", "#Recovery")
