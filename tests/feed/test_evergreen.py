"""Evergreen articles: the list is checked strictly, and a week with nothing new sends the
one sent longest ago, never one already mailed as a regular article."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsletter.common.links import normalized_link
from newsletter.delivery.sending import SendOptions, send_next_issue
from newsletter.feed.evergreen import (EvergreenError, choose_evergreen,
                                       load_evergreen, parse_evergreen)
from newsletter.issue.build import build_next_issue
from newsletter.mail.transport import OutboxTransport

from ..helpers import ROOT, item, rss
from ..sending_setup import add_subscribers, make_clinic, numbered, open_clinic

T0 = datetime(2026, 11, 2, 15, tzinfo=timezone.utc)


def entry(n: int, **extra) -> str:
    fields = {"title": f"Evergreen {n}", "url": f"https://clinic.example/blog/ever-{n}",
              "summary": f"Always true, part {n}.", **extra}
    return "[[article]]\n" + "".join(f"{k} = {v!r}\n".replace("'", '"') if isinstance(v, str)
                                     else f"{k} = {v}\n" for k, v in fields.items())


def articles(*numbers: int):
    return parse_evergreen("".join(entry(n) for n in numbers), Path("e.toml"))


def test_the_sample_list_parses_and_is_about_the_clinic():
    sample = load_evergreen(ROOT / "evergreen.example.toml")
    assert len(sample) == 3 and all(a.evergreen for a in sample)
    assert all(a.url.startswith("https://advancedphysicalmedicine.example/") for a in sample)
    assert sample[1].image.alt.startswith("A chiropractor")
    assert sample[0].reading_minutes == 4


def test_the_least_recently_sent_is_chosen_and_never_one_mailed_as_a_regular_article():
    listed = articles(1, 2, 3)
    link = [normalized_link(a.url) for a in listed]
    assert choose_evergreen(listed, mailed=set(), last_sent={}) == listed[0]
    assert choose_evergreen(listed, mailed=set(), last_sent={link[0]: T0}) == listed[1]
    sent_all = {link[0]: T0, link[1]: T0 - timedelta(days=7), link[2]: T0 + timedelta(days=7)}
    assert choose_evergreen(listed, mailed=set(), last_sent=sent_all) == listed[1]
    assert choose_evergreen(listed, mailed={link[1]}, last_sent=sent_all) == listed[0]
    assert choose_evergreen(listed, mailed=set(link), last_sent={}) is None


@pytest.mark.parametrize("text, words", [
    ("", ["no [[article]] entries"]),
    ('title = "x"\n', ["title is not a known key"]),
    (entry(1, colour="red"), ["article 1:", "colour is not a known key"]),
    (entry(1) + '[[article]]\ntitle = "x"\nurl = "https://c.example/x"\n', ["article 2:", "summary is missing"]),
    (entry(1, url="/blog/x"), ["article 1:", "url", "absolute"]),
    (entry(1, image="data:image/png;base64,xx"), ["article 1:", "image", "absolute"]),
    (entry(1, reading_minutes=0), ["reading_minutes", "1 to 120"]),
    (entry(1) + entry(1), ["article 2:", "listed twice"]),
    ("[[article]\n", ["not valid TOML"]),
])
def test_a_bad_list_names_the_file_the_entry_and_the_key(text, words):
    with pytest.raises(EvergreenError) as caught:
        parse_evergreen(text, Path("lists/evergreen.toml"))
    assert str(caught.value).startswith("lists/evergreen.toml: ")
    for word in words:
        assert word in str(caught.value)


def test_weeks_with_nothing_new_rotate_through_the_list(tmp_path):
    settings, store = open_clinic(make_clinic(tmp_path, items=[item(1, 20)]))
    add_subscribers(store, numbered(2))
    listed = articles(1, 2)

    def week(n: int):
        moment = T0 + timedelta(days=7 * n)
        return send_next_issue(
            settings, store, OutboxTransport(tmp_path / "outbox"), clock=lambda: moment,
            options=SendOptions(evergreen=lambda: choose_evergreen(
                listed, mailed=store.mailed_links(), last_sent=store.evergreen_last_sent())))

    assert week(0).subject.startswith("Article number 1")  # the feed's own article first
    subjects = [week(n).subject for n in (1, 2, 3)]
    assert [s.split(":")[0] for s in subjects] == ["Evergreen 1", "Evergreen 2", "Evergreen 1"]
    assert store.evergreen_last_sent()[normalized_link(listed[0].url)] == T0 + timedelta(days=21)
    assert not any(key.startswith("evergreen:") for key in store.seen_keys())


def test_the_same_evergreen_issue_stands_until_sent_so_an_approval_holds(tmp_path):
    settings, store = open_clinic(make_clinic(tmp_path, items=[item(1, 20)]))
    add_subscribers(store, numbered(1))
    send_next_issue(settings, store, OutboxTransport(tmp_path / "outbox"), clock=lambda: T0)
    picks = []

    def pick():
        picks.append(choose_evergreen(articles(1, 2), mailed=store.mailed_links(),
                                      last_sent={"https://clinic.example/blog/ever-1": T0}))
        return picks[-1]

    first = build_next_issue(settings, store, now=T0, evergreen=pick).issue
    store.issues.approve(first.id, by="frontdesk", now=T0)
    again = build_next_issue(settings, store, now=T0, evergreen=pick).issue
    assert (again.id, again.status, len(picks)) == (first.id, "approved", 1)
    (tmp_path / "feed.xml").write_bytes(rss([item(1, 20), item(2, 25)]))
    news = build_next_issue(settings, store, now=T0, evergreen=pick).issue
    assert [a.id for a in news.articles] == ["post-2"] and news.status == "draft"


def test_an_evergreen_article_says_where_it_came_from():
    from newsletter.issue.files import article_document

    assert {article_document(a)["source"] for a in load_evergreen(ROOT / "evergreen.example.toml")} \
        == {"evergreen"}
