"""Checklist items 1-15 hold for the bundled feed's issue, a 10-article issue and an issue
made of hostile feed content; and each item's check can fail."""

import re

import pytest

from .. import checklist
from ..helpers import feed_articles, rendered, sample_articles


@pytest.fixture(scope="module")
def sample_issue():
    return rendered(sample_articles()[:3])


@pytest.fixture(scope="module")
def ten_article_issue():
    articles = sample_articles()[:10]
    assert len(articles) == 10
    return rendered(articles)


@pytest.fixture(scope="module")
def hostile_issue():
    return rendered(feed_articles("sanitizer.xml")[:10])


@pytest.fixture(scope="module")
def counted_sample_issue():
    """Clicks on: every article link goes through the clinic's server."""
    return rendered(sample_articles()[:3], clicks=True)


@pytest.fixture(scope="module")
def counted_hostile_issue():
    return rendered(feed_articles("sanitizer.xml")[:10], clicks=True)


@pytest.mark.parametrize("item", checklist.ITEMS, ids=lambda item: item.__name__)
@pytest.mark.parametrize("which", ["sample_issue", "ten_article_issue", "hostile_issue",
                                   "counted_sample_issue", "counted_hostile_issue"])
def test_checklist_item_holds(item, which, request):
    _, html, expect = request.getfixturevalue(which)
    assert item(html, expect) == []


def test_ten_article_issue_stays_far_below_gmail_clipping(ten_article_issue):
    _, html, _ = ten_article_issue
    assert len(html.encode()) < 90 * 1024


# Each mutation breaks one rule; the matching item must notice. This keeps the checks honest.
MUTATIONS = {
    "item_1": lambda h: h.replace("<!DOCTYPE html>", "", 1),
    "item_2": lambda h: h.replace('name="color-scheme"', 'name="x-scheme"'),
    "item_3": lambda h: h.replace('cellspacing="0" width="100%"', 'width="100%"', 1),
    "item_4": lambda h: h.replace('width="600"', 'width="700"'),
    "item_5": lambda h: h.replace("</body>", "<script>alert(1)</script></body>"),
    "item_6": lambda h: re.sub(r'(<img[^>]*?) alt="[^"]*"', r"\1", h, count=1),
    "item_7": lambda h: h.replace('href="https://', 'href="/', 1),
    "item_8": lambda h: h.replace("<h2", "<h3", 1).replace("</h2>", "</h3>", 1),
    "item_9": lambda h: h.replace('aria-hidden="true"', "", 1),
    "item_10": lambda h: re.sub(r"(<p style=)('[^']*'|\"[^\"]*\")", r"\1'margin:0'", h, count=1),
    "item_11": lambda h: h.replace("!important", "", 1),
    "item_12": lambda h: h.replace("#ffffff", "#fff", 1),
    "item_13": lambda h: h.replace("</body>", "\x85</body>"),
    "item_14": lambda h: h.replace(">Unsubscribe<", ">Manage<"),
    "item_15": lambda h: h.replace("</body>", "%%GREETING%%</body>"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS, key=lambda n: int(n.split("_")[1])))
def test_each_checklist_item_can_fail(name, sample_issue):
    _, html, expect = sample_issue
    item = getattr(checklist, name)
    broken = MUTATIONS[name](html)
    assert broken != html, "the mutation did not change the email"
    assert item(broken, expect), f"{name} did not notice the mutation"


@pytest.mark.parametrize("which", ["counted_sample_issue", "counted_hostile_issue"])
def test_with_clicks_on_every_article_link_is_a_signed_click_link(which, request):
    result, html, expect = request.getfixturevalue(which)
    assert len(expect.article_links) == len(expect.articles)
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    for n, link in enumerate(expect.article_links, 1):
        assert re.fullmatch(rf"https://advancedphysicalmedicine\.example/newsletter/r/"
                            rf"2026-11-30/{n}/[A-Za-z0-9_-]{{16}}", link)
        assert link in hrefs
    assert not [a.url for a in expect.articles if f'href="{a.url}' in html]
    assert "%%ARTICLE_" in result.html and "%%ARTICLE_" in result.text


def test_item_7_finds_a_click_link_whose_text_does_not_name_its_article(counted_sample_issue):
    _, html, expect = counted_sample_issue
    link = expect.article_links[0]
    broken, changed = re.subn(r'(<h2[^>]*>\s*<a href="' + re.escape(link) + r'"[^>]*>)[^<]+',
                              r"\1Something else", html, count=1)
    assert changed == 1
    assert any("does not name it" in problem for problem in checklist.item_7(broken, expect))
