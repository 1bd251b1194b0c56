"""Article addresses: one spelling to recognise an article by, campaign tags to count readers by,
ASCII to their very end for posting, and a slug to name them by."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsletter.common.links import article_slug, ascii_url, normalized_link, with_utm


def tag(url):
    return with_utm(url, source="Newsletter", medium="Email", campaign="2026-11-30-Issue")


# --- normalized_link --------------------------------------------------------------------------

def test_campaign_tags_and_fragment_do_not_change_the_article():
    plain = normalized_link("https://ids.example/posts/tracked")
    assert plain == "https://ids.example/posts/tracked"
    for variant in ("https://ids.example/posts/tracked?utm_source=x&utm_medium=rss&utm_campaign=f",
                    "https://ids.example/posts/tracked#comments",
                    "https://ids.example/posts/tracked?UTM_Source=y#top",
                    "https://ids.example/posts/tracked/",
                    "HTTPS://IDS.EXAMPLE/posts/tracked?utm_content=a&utm_term=b"):
        assert normalized_link(variant) == plain, variant


def test_a_real_query_is_kept_in_order():
    url = "https://clinic.example/blog?p=42&utm_source=x&lang=es"
    assert normalized_link(url) == "https://clinic.example/blog?p=42&lang=es"


def test_the_path_keeps_its_case_and_an_empty_path_is_the_root():
    assert normalized_link("https://Clinic.example/Blog/Post-1") == \
        "https://clinic.example/Blog/Post-1"
    assert normalized_link("https://clinic.example") == "https://clinic.example/"
    assert normalized_link("https://clinic.example/") == "https://clinic.example/"


def test_different_articles_stay_different():
    assert normalized_link("https://clinic.example/blog?p=1") != \
        normalized_link("https://clinic.example/blog?p=2")
    assert normalized_link("https://clinic.example/a") != \
        normalized_link("https://clinic.example/b")


@given(st.sampled_from(["x", "newsletter", "Email"]), st.sampled_from(["", "#c", "#top"]))
def test_normalized_link_ignores_whatever_tags_were_added(value, fragment):
    base = "https://clinic.example/blog/post?id=7"
    assert normalized_link(f"{base}&utm_source={value}&utm_medium={value}{fragment}") == \
        normalized_link(base)


# --- with_utm -----------------------------------------------------------------------------------

def test_tags_are_added_lowercase():
    tagged = tag("https://clinic.example/blog/post-1")
    assert tagged == ("https://clinic.example/blog/post-1?utm_source=newsletter"
                      "&utm_medium=email&utm_campaign=2026-11-30-issue")


def test_existing_query_is_kept_first_and_in_order():
    tagged = tag("https://clinic.example/blog?p=42&lang=es")
    assert tagged.startswith("https://clinic.example/blog?p=42&lang=es&utm_source=")
    assert parse_qsl(urlsplit(tagged).query) == [
        ("p", "42"), ("lang", "es"), ("utm_source", "newsletter"), ("utm_medium", "email"),
        ("utm_campaign", "2026-11-30-issue")]


def test_its_own_tags_are_replaced_not_repeated_other_utm_keys_kept():
    tagged = tag("https://clinic.example/post?utm_source=facebook&UTM_MEDIUM=social"
                 "&utm_campaign=old&utm_term=knee&id=3")
    query = parse_qsl(urlsplit(tagged).query)
    keys = [k.lower() for k, _ in query]
    assert keys.count("utm_source") == keys.count("utm_medium") == keys.count("utm_campaign") == 1
    assert dict(query) == {"utm_term": "knee", "id": "3", "utm_source": "newsletter",
                           "utm_medium": "email", "utm_campaign": "2026-11-30-issue"}
    assert "facebook" not in tagged and "social" not in tagged and "old" not in tagged


def test_the_fragment_comes_last():
    tagged = tag("https://clinic.example/post?id=3#comments")
    assert tagged.endswith("&utm_campaign=2026-11-30-issue#comments")
    assert urlsplit(tagged).fragment == "comments"
    assert dict(parse_qsl(urlsplit(tagged).query))["id"] == "3"


@pytest.mark.parametrize("url, expected", [
    ("https://clinic.example", "https://clinic.example/?utm_source="),
    ("https://clinic.example?a=1", "https://clinic.example/?a=1&utm_source="),
    ("https://clinic.example#top", "https://clinic.example/?utm_source="),
])
def test_a_url_with_no_path_gets_a_slash(url, expected):
    assert tag(url).startswith(expected)


def test_the_rest_of_the_address_is_untouched():
    tagged = tag("https://Clinic.example:8443/Blog/Post-1")
    parts = urlsplit(tagged)
    assert (parts.scheme, parts.netloc, parts.path) == \
        ("https", "Clinic.example:8443", "/Blog/Post-1")


def test_tagging_twice_is_the_same_as_tagging_once():
    once = tag("https://clinic.example/post?id=3#c")
    assert tag(once) == once


def test_tagged_link_still_names_the_same_article():
    url = "https://clinic.example/blog/post?id=3#c"
    assert normalized_link(tag(url)) == normalized_link(url)



def test_ascii_url_encodes_what_a_platform_would_stop_at_and_keeps_the_rest():
    assert ascii_url("https://clinic.example/blog/über uns/腰痛?q=ä b#top note") == (
        "https://clinic.example/blog/%C3%BCber%20uns/%E8%85%B0%E7%97%9B?q=%C3%A4%20b"
        "#top%20note")
    already = "https://clinic.com/a%20b/(c)?x=1&y=%2F#frag"
    assert ascii_url(already) == already


def test_ascii_url_leaves_an_unparseable_address_alone():
    assert ascii_url("http://[broken/a b") == "http://[broken/a b"


@pytest.mark.parametrize("url, title, slug", [
    ("https://clinic.com/blog/acupuncture-for-back-pain", "T", "acupuncture-for-back-pain"),
    ("https://clinic.com/blog/Back_Pain-Tips.html", "T", "back-pain-tips"),
    ("https://clinic.com/blog/knee-care/", "T", "knee-care"),
    ("https://clinic.com/blog/%E8%85%B0%E7%97%9B", "T", "腰痛"),
    ("https://clinic.com/?p=12", "Can Acupuncture Help?", "can-acupuncture-help"),
    ("https://clinic.com/", "!!!", "article"),
])
def test_article_slug(url, title, slug):
    assert article_slug(url, title) == slug
