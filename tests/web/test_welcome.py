"""The optional welcome email after someone confirms: off by default, sent once, through the
same message path as an issue (its headers, its unsubscribe link), and it passes the
email checklist."""

import email
import email.policy
import re

import pytest

from newsletter.common.tokens import subscriber_of

from .. import checklist
from ..sending_setup import SECRET
from ..web_setup import BASE_URL, csrf_of, form_token, make_site
from .test_public import confirmation_link

pytestmark = pytest.mark.usefixtures("each_database")


def subscribe_and_confirm(site, smtp, address="new.reader@mail.example"):
    token = form_token(site.client, "/subscribe")
    site.client.post("/subscribe", data={"csrf_token": token, "email": address,
                                         "name": "Nora Reader"})
    path = confirmation_link(smtp, address).removeprefix(BASE_URL)
    ask = site.client.get(path)
    done = site.client.post(path, data={"csrf_token": csrf_of(ask.text)})
    assert done.status_code == 200 and "You are subscribed" in done.text
    return path, csrf_of(ask.text)


def welcomes(smtp):
    parsed = [email.message_from_bytes(m.data, policy=email.policy.default)
              for m in smtp.messages]
    return [m for m in parsed if m["Subject"].startswith("Welcome")]


def test_without_the_setting_nobody_gets_a_welcome(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    subscribe_and_confirm(site, smtp)
    assert welcomes(smtp) == [] and len(smtp.messages) == 1


def test_a_confirmed_reader_gets_one_welcome_with_their_own_unsubscribe_link(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port, extra="[welcome]\nenabled = true\n")
    path, csrf = subscribe_and_confirm(site, smtp)
    site.client.post(path, data={"csrf_token": csrf})  # confirming again sends nothing more
    (welcome,) = welcomes(smtp)
    person = site.subscribers.by_email("new.reader@mail.example")
    assert welcome["Subject"] == f"Welcome to the {site.settings.clinic.name} newsletter"
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.search(r"<(https?://[^>]+)>", welcome["List-Unsubscribe"]).group(1)
    assert subscriber_of(SECRET, url.rsplit("/", 1)[1]) == person.id
    text = welcome.get_body(("plain",)).get_content()
    html = welcome.get_body(("html",)).get_content()
    assert text.startswith(f"{site.settings.clinic.name} News") and "Hi Nora," in text
    assert url in text and f'href="{url}"' in html
    expect = checklist.Expect(subject=welcome["Subject"], preheader=re.search(
        r'<div class="preheader"[^>]*>([^<]*)</div>', html, re.S).group(1),
        unsubscribe_url=url, web_url=f"{BASE_URL}/archive",
        postal_address=site.settings.clinic.postal_address, articles=())
    assert checklist.problems(html, expect) == []
