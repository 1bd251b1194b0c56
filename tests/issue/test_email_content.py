"""What the clinic adds to each email: staff's note above the articles and the call to
action from the config, in the HTML and the plain text alike."""

import dataclasses

from newsletter.common.settings import Settings

from .. import checklist
from ..helpers import rendered, sample_articles

NOTE = "Holiday hours: **closed Dec 24-25**.\n\nMeet [Dr. Rivera](https://clinic.example/team)."


def with_note(note: str):
    articles = sample_articles()[:3]
    settings = Settings()
    result, html, expect = rendered(articles, settings, note=note)
    return result, html, expect


def test_the_note_is_above_the_articles_in_both_parts():
    result, html, expect = with_note(NOTE)
    assert "<strong" in html and ">closed Dec 24-25</strong>" in html
    assert html.index("closed Dec 24-25") < html.index("<h2")
    assert 'href="https://clinic.example/team"' in html
    text = result.text
    assert "Holiday hours: closed Dec 24-25." in text
    assert "Meet Dr. Rivera (https://clinic.example/team)." in text
    assert text.index("closed Dec 24-25") < text.index(expect.articles[0].title)
    assert checklist.problems(html, expect) == []


def test_without_a_note_there_is_no_note_block():
    _, html, _ = with_note("")
    assert 'class="note"' not in html


def test_the_call_to_action_has_a_tel_link_and_the_booking_page():
    settings = Settings()
    clinic = dataclasses.replace(settings.clinic, phone="+1 (636) 555-0100",
                                 booking_url="https://clinic.example/book")
    result, html, expect = rendered(sample_articles()[:3],
                                    dataclasses.replace(settings, clinic=clinic))
    assert 'href="tel:+16365550100"' in html and ">+1 (636) 555-0100</a>" in html
    assert 'href="https://clinic.example/book' in html and "Book an appointment" in html
    assert "+1 (636) 555-0100" in result.text
    assert "Book an appointment: https://clinic.example/book" in result.text
    assert checklist.problems(html, expect) == []


def test_no_phone_and_no_booking_page_means_no_call_to_action():
    settings = Settings()
    clinic = dataclasses.replace(settings.clinic, phone="", booking_url="")
    result, html, _ = rendered(sample_articles()[:3], dataclasses.replace(settings, clinic=clinic))
    assert "tel:" not in html and "Book an appointment" not in html
    assert "Book an appointment" not in result.text
