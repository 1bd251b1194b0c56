"""The subscribers' pages through Flask's test client: unsubscribe (form and RFC 8058 one-click),
subscribe with double opt-in through a real aiosmtpd, and the archive."""

import email
import email.policy
import re

import pytest

from newsletter.audience.optin import confirm_token
from newsletter.common.tokens import sign, unsubscribe_token
from newsletter.web.app import SIGNUPS_PER_CLIENT

from ..sending_setup import SECRET
from ..web_setup import BASE_URL, add_person, csrf_of, form_token, make_site

pytestmark = pytest.mark.usefixtures("each_database")

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def status_of(site, subscriber_id):
    return site.subscribers.get(subscriber_id).status


# --- unsubscribe ----------------------------------------------------------------------------

def test_get_shows_a_button_and_unsubscribes_nobody(site):
    ana = add_person(site, "ana@mail.example")
    page = site.client.get(f"/unsubscribe/{unsubscribe_token(SECRET, ana)}")
    assert page.status_code == 200
    assert "ana@mail.example" in page.text and '<button type="submit"' in page.text
    assert status_of(site, ana) == "active"


def test_the_button_unsubscribes_and_pressing_it_again_is_harmless(site):
    ana = add_person(site, "ana@mail.example")
    path = f"/unsubscribe/{unsubscribe_token(SECRET, ana)}"
    token = form_token(site.client, path)
    first = site.client.post(path, data={"csrf_token": token})
    assert first.status_code == 200 and "You are unsubscribed" in first.text
    when = site.subscribers.get(ana).unsubscribed_at
    site.clock.advance(hours=1)
    again = site.client.post(path, data={"csrf_token": token})
    assert again.status_code == 200
    after = site.subscribers.get(ana)
    assert (after.status, after.unsubscribed_at) == ("unsubscribed", when)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_post_without_cookies_unsubscribes(site, encoding):
    """RFC 8058: the mailbox provider POSTs from its servers, with no session and no token
    field; the signed URL is the authorization."""
    ana = add_person(site, "ana@mail.example")
    client = site.new_client()
    path = f"/unsubscribe/{unsubscribe_token(SECRET, ana)}"
    if encoding == "urlencoded":
        response = client.post(path, data="List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(path, data=ONE_CLICK, content_type="multipart/form-data")
    assert response.status_code == 200
    assert client.get_cookie("newsletter_session") is None
    assert status_of(site, ana) == "unsubscribed"
    assert client.post(path, data=ONE_CLICK).status_code == 200  # repeated: still fine


@pytest.mark.parametrize("sent", [None, "wrong-token"])
def test_a_form_post_without_the_right_csrf_token_is_refused(site, sent):
    ana = add_person(site, "ana@mail.example")
    path = f"/unsubscribe/{unsubscribe_token(SECRET, ana)}"
    form_token(site.client, path)  # the browser has a session, but the post lacks its token
    response = site.client.post(path, data={"csrf_token": sent} if sent else {})
    assert response.status_code == 400
    assert status_of(site, ana) == "active"


def tampered(token: str) -> list[str]:
    payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [f"{payload}.{flipped}", f"{int(payload) + 1}.{signature}", payload,
            token + "x", "not-a-token"]


def test_a_tampered_or_unknown_token_gets_400_and_changes_nothing(site):
    ana = add_person(site, "ana@mail.example")
    bo = add_person(site, "bo@mail.example")
    nobody = unsubscribe_token(SECRET, 9999)  # genuine signature, no such subscriber
    for token in tampered(unsubscribe_token(SECRET, ana)) + [nobody]:
        path = f"/unsubscribe/{token}"
        assert site.client.get(path).status_code == 400, token
        assert site.new_client().post(path, data=ONE_CLICK).status_code == 400, token
    assert (status_of(site, ana), status_of(site, bo)) == ("active", "active")


def test_the_sample_link_of_previews_explains_itself(site):
    page = site.new_client().post("/unsubscribe/sample", data=ONE_CLICK)
    assert page.status_code == 200 and "sample link" in page.text
    assert "use the Unsubscribe link" in site.client.get("/unsubscribe").text


# --- subscribe with double opt-in -----------------------------------------------------------

def confirmation_link(smtp, address: str) -> str:
    [received] = [m for m in smtp.messages if address in m.recipients]
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert message["Subject"].strip().startswith("Please confirm your subscription")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = re.search(r"(http\S+/confirm/\S+)", text).group(1)
    assert f'href="{link}"' in html
    return link


def test_subscribe_mails_a_link_and_only_the_confirmed_address_becomes_active(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    token = form_token(site.client, "/subscribe")
    page = site.client.post("/subscribe", data={"csrf_token": token,
                                                "email": " New.Reader@Mail.example ",
                                                "name": "New Reader"})
    assert page.status_code == 200 and "Check your inbox" in page.text
    person = site.subscribers.by_email("new.reader@mail.example")
    assert (person.status, person.source, person.name) == ("pending", "web", "New Reader")
    link = confirmation_link(smtp, "new.reader@mail.example")
    assert link.startswith(f"{BASE_URL}/confirm/")
    path = link.removeprefix(BASE_URL)
    ask = site.client.get(path)  # a link scanner's GET confirms nothing
    assert ask.status_code == 200 and "Yes, subscribe me" in ask.text
    assert site.subscribers.get(person.id).status == "pending"
    done = site.client.post(path, data={"csrf_token": csrf_of(ask.text)})
    assert done.status_code == 200 and "You are subscribed" in done.text
    confirmed = site.subscribers.get(person.id)
    assert (confirmed.status, confirmed.confirmed_at) == ("active", site.clock())


def test_the_same_answer_for_everyone_and_nobody_else_is_changed(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    add_person(site, "ana@mail.example", "Ana")
    gone = add_person(site, "gone@mail.example", "Gone")
    site.subscribers.unsubscribe(gone, now=site.clock())
    bounced = add_person(site, "bounced@mail.example")
    site.subscribers.set_status(bounced, "bounced", now=site.clock())
    token = form_token(site.client, "/subscribe")
    addresses = ("ana@mail.example", "gone@mail.example", "bounced@mail.example",
                 "fresh@mail.example")
    pages = [site.client.post("/subscribe", data={"csrf_token": token, "email": address,
                                                  "name": "Mallory"}).text
             for address in addresses]
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert len({strip(page) for page in pages}) == 1
    assert [r for m in smtp.messages for r in m.recipients] == [
        "gone@mail.example", "fresh@mail.example"], "only someone who left may come back"
    assert site.subscribers.by_email("ana@mail.example").name == "Ana"
    assert (site.subscribers.get(gone).status, site.subscribers.get(gone).name) == (
        "unsubscribed", "Gone"), "unchanged until they follow the link"
    assert site.subscribers.get(bounced).status == "bounced"


def test_subscribe_needs_the_csrf_token_and_a_real_address(site):
    refused = site.new_client().post("/subscribe", data={"email": "x@mail.example"})
    assert refused.status_code == 400
    assert site.subscribers.by_email("x@mail.example") is None
    token = form_token(site.client, "/subscribe")
    bad = site.client.post("/subscribe", data={"csrf_token": token, "email": "carl@"})
    assert bad.status_code == 400 and "does not look right" in bad.text


def test_an_expired_or_changed_confirmation_link_is_refused(site):
    pending = add_person(site, "p@mail.example", status="pending")
    expired = confirm_token(SECRET, pending, now=site.clock())
    site.clock.advance(hours=49)
    page = site.client.get(f"/confirm/{expired}")
    assert page.status_code == 400 and "expired" in page.text
    fresh = confirm_token(SECRET, pending, now=site.clock())
    for token in [fresh.replace(".", ".9", 1), unsubscribe_token(SECRET, pending),
                  sign(SECRET, "confirm", f"{pending}")]:
        assert site.client.get(f"/confirm/{token}").status_code == 400, token
    assert site.subscribers.get(pending).status == "pending"


def test_confirming_does_not_bring_back_someone_who_left(site):
    person = add_person(site, "p@mail.example", status="pending")
    token = confirm_token(SECRET, person, now=site.clock())
    site.subscribers.unsubscribe(person, now=site.clock())
    page = site.client.get(f"/confirm/{token}")
    assert "so it does nothing" in page.text and "<button" not in page.text
    session_token = form_token(site.client, "/subscribe")
    site.client.post(f"/confirm/{token}", data={"csrf_token": session_token})
    assert site.subscribers.get(person).status == "unsubscribed"


def test_someone_who_left_can_subscribe_again_by_confirming_a_new_link(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    person = add_person(site, "back@mail.example", "Back")
    site.subscribers.unsubscribe(person, now=site.clock())
    site.clock.advance(minutes=5)
    token = form_token(site.client, "/subscribe")
    site.client.post("/subscribe", data={"csrf_token": token, "email": "back@mail.example"})
    path = confirmation_link(smtp, "back@mail.example").removeprefix(BASE_URL)
    ask = site.client.get(path)
    assert "Yes, subscribe me" in ask.text
    assert site.subscribers.get(person).status == "unsubscribed", "a GET changes nothing"
    done = site.client.post(path, data={"csrf_token": csrf_of(ask.text)})
    assert "You are subscribed" in done.text
    back = site.subscribers.get(person)
    assert (back.status, back.confirmed_at, back.unsubscribed_at) == (
        "active", site.clock(), None)


def sign_up(client, token: str, address: str, **kwargs):
    return client.post("/subscribe", data={"csrf_token": token, "email": address}, **kwargs)


def test_a_front_desk_signing_up_patients_one_after_another_is_not_stopped(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    token = form_token(site.client, "/subscribe")
    typos = [sign_up(site.client, token, f"patient{n}@").status_code for n in range(10)]
    assert typos == [400] * 10  # a mistyped address does not count toward any limit
    codes = [sign_up(site.client, token, f"patient{n}@mail.example").status_code
             for n in range(25)]
    assert codes == [200] * 25
    assert len(smtp.messages) == 25


def test_one_mailbox_gets_at_most_three_links_an_hour_whoever_asks(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    token = form_token(site.client, "/subscribe")
    codes = [sign_up(site.client, token, "same@mail.example").status_code for _ in range(6)]
    assert codes == [200] * 6  # the same answer: the form does not tell who is on the list
    assert len(smtp.messages) == 3
    site.clock.advance(minutes=61)
    assert sign_up(site.client, token, "same@mail.example").status_code == 200
    assert len(smtp.messages) == 4


def test_a_flood_from_one_client_gets_a_friendly_page_that_says_when_to_try_again(
        tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    token = form_token(site.client, "/subscribe")
    codes = [sign_up(site.client, token, f"reader{n}@mail.example").status_code
             for n in range(SIGNUPS_PER_CLIENT + 1)]
    assert codes == [200] * SIGNUPS_PER_CLIENT + [429]
    refused = sign_up(site.client, token, "one.more@mail.example")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert "Please try again in 10 minutes" in refused.text
    assert site.settings.clinic.name in refused.text and 'class="button' in refused.text
    other = site.app.test_client()
    elsewhere = sign_up(other, form_token(other, "/subscribe"), "b@mail.example",
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 200
    site.clock.advance(minutes=11)
    assert sign_up(site.client, token, "c@mail.example").status_code == 200


# --- archive --------------------------------------------------------------------------------

def send_the_issue(site):
    from newsletter.delivery.sending import send_next_issue
    from newsletter.mail.transport import transport_for

    add_person(site, "ana@mail.example", "Ana")
    return send_next_issue(site.settings, site.store, transport_for(site.settings),
                           clock=site.clock)


def test_the_archive_lists_sent_issues_with_share_tags_and_no_ones_token(site):
    draft = site.client.get("/staff/")  # builds the open issue: not public yet
    slug = site.store.issues.open().slug
    assert draft.status_code == 200
    assert site.client.get(f"/archive/{slug}").status_code == 404
    send_the_issue(site)
    listing = site.client.get("/archive")
    issue = site.store.issues.by_slug(slug)
    assert f'href="/archive/{slug}"' in listing.text and issue.subject in listing.text
    page = site.client.get(f"/archive/{slug}")
    assert page.status_code == 200
    html = page.text
    head = html.split("</head>", 1)[0]
    assert f'<meta property="og:title" content="{issue.subject}">' in head
    assert f'<meta property="og:url" content="{BASE_URL}/archive/{slug}">' in head
    assert '<meta property="og:description" content="' in head
    assert '<meta name="twitter:card" content="summary">' in head  # the test feed has no images
    assert "Hello," in html and "Hi Ana" not in html
    assert f'href="{BASE_URL}/unsubscribe"' in html
    assert "/unsubscribe/" not in html and "%%" not in html
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    assert site.client.get("/archive/no-such-issue").status_code == 404


def test_the_archive_page_tags_name_the_lead_image(tmp_path):
    from newsletter.issue.archive import share_tags

    from ..helpers import sample_articles

    site = make_site(tmp_path)
    site.client.get("/staff/")
    issue = site.store.issues.open()
    lead = sample_articles()[0]
    tags = share_tags(issue.__class__(**{**issue.__dict__, "articles": (lead,)}), site.settings)
    assert f'<meta property="og:image" content="{lead.image.url}">' in tags
    assert '<meta name="twitter:card" content="summary_large_image">' in tags


# --- branding -------------------------------------------------------------------------------

def test_every_public_page_carries_the_clinics_logo_color_and_a_link_home(tmp_path):
    site = make_site(tmp_path, extra='logo_url = "https://clinic.example/logo.png"\n'
                                     'brand_color = "#7a1f5c"\n')
    person = add_person(site, "ana@mail.example", status="pending")
    pages = {
        "/subscribe": 200, "/archive": 200, "/unsubscribe": 200,
        f"/unsubscribe/{unsubscribe_token(SECRET, person)}": 200,
        f"/confirm/{confirm_token(SECRET, person, now=site.clock())}": 200,
        "/archive/no-such-issue": 404, "/unsubscribe/changed": 400,
    }
    for path, code in pages.items():
        page = site.client.get(path)
        assert page.status_code == code, path
        header = page.text.split("<header", 1)[1].split("</header>", 1)[0]
        assert '<a class="home" href="https://advancedphysicalmedicine.example">' in header, path
        assert '<img src="https://clinic.example/logo.png"' in header, path
        assert 'href="/brand.css"' in page.text, path
        assert site.settings.clinic.postal_address in page.text, path
    css = site.client.get("/brand.css")
    assert css.headers["Content-Type"].startswith("text/css")
    assert "--brand: #7a1f5c;" in css.text and "--brand-on-dark: #bc8fae;" in css.text
