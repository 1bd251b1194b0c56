"""Article addresses made safe to post: ASCII to their very end, and named by a slug."""

import pytest

from newsletter.links import article_slug, ascii_url


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
