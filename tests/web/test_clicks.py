"""Clicks counted in aggregate, through the real web server (werkzeug on 127.0.0.1) and a
real send to a real SMTP server (aiosmtpd): a signed link counts and redirects to the
article with its tags; a changed or unknown one gets a 400 and counts nothing; no subscriber
identifier is in a click link, a log line of the click path or a row it writes; the plain
text has the same links; a test copy's links do not count; with clicks off the email is as
it always was."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
import re
import threading

import httpx
import pytest
from sqlalchemy import MetaData, select
from werkzeug.serving import make_server

from newsletter.audience.subscribers import Subscribers
from newsletter.common.links import with_utm
from newsletter.common.settings import SAMPLE_PUBLIC_BASE_URL, load_settings
from newsletter.common.tokens import click_signature, unsubscribe_token
from newsletter.delivery.sending import send_next_issue, send_test
from newsletter.issue.preview import preview_of
from newsletter.mail.transport import transport_for
from newsletter.storage.store import Store
from newsletter.web import create_app

from ..helpers import item
from ..sending_setup import SECRET, make_clinic
from ..smtpserver import SmtpServer
from ..web_setup import BASE_URL, Clock, Site, add_person, make_site

pytestmark = pytest.mark.usefixtures("each_database")

CLICKS_ON = "[analytics]\nclicks = true\n"
PEOPLE = [("ana.lopez@mail.example", "Ana Lopez"), ("bob.smith@mail.example", "Bob Smith")]
ARTICLE_URLS = ["https://clinic.example/blog/post-2", "https://clinic.example/blog/post-1"]
"""The issue's articles, newest first: what links 1 and 2 lead to."""


def serve(site: Site):
    """The site's app over real HTTP on 127.0.0.1; returns (base address, stop)."""
    server = make_server("127.0.0.1", 0, site.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


@dataclasses.dataclass
class Sent:
    site: Site
    base: str
    smtp: SmtpServer
    ids: dict[str, int]

    def message(self, address: str) -> email.message.EmailMessage:
        raw = next(m.data for m in self.smtp.messages if address in m.recipients)
        return email.message_from_bytes(raw, policy=email.policy.default)

    def parts(self, address: str) -> tuple[str, str]:
        message = self.message(address)
        return (message.get_body(("html",)).get_content(),
                message.get_body(("plain",)).get_content())

    def get(self, link: str, method: str = "GET") -> httpx.Response:
        """`link` as it is in the email, asked of this server (it stands for public_base_url)."""
        assert link.startswith(BASE_URL), link
        return httpx.request(method, self.base + link[len(BASE_URL):], follow_redirects=False)

    def clicks(self) -> list[tuple]:
        with self.site.store.engine.connect() as conn:
            return sorted(tuple(row) for row in conn.exec_driver_sql("SELECT * FROM clicks"))


@pytest.fixture
def sent(tmp_path, smtp):
    """A clinic with clicks on, its issue sent over SMTP to two subscribers, and its web app
    served over real HTTP."""
    site = make_site(tmp_path, smtp_port=smtp.port, extra=CLICKS_ON)
    ids = {address: add_person(site, address, name) for address, name in PEOPLE}
    report = send_next_issue(site.settings, site.store, transport_for(site.settings),
                             clock=site.clock)
    assert report.outcome == "complete" and report.sent == 2
    base, stop = serve(site)
    try:
        yield Sent(site, base, smtp, ids)
    finally:
        stop()


def click_links(text: str) -> list[str]:
    return re.findall(re.escape(BASE_URL) + r"/r/[^\s\"'<>]+", text)


def article_hrefs(html: str) -> list[str]:
    """The links of the email's article titles, in order."""
    return re.findall(r'<h2[^>]*>\s*<a href="([^"]+)"', html)


def test_a_signed_link_counts_and_redirects_to_the_article_with_its_tags(sent):
    html, _ = sent.parts("ana.lopez@mail.example")
    first, second = article_hrefs(html)
    slug = sent.site.store.issues.last_sent().slug
    assert first == f"{BASE_URL}/r/{slug}/1/{click_signature(SECRET, slug, 1, counted=True)}"
    assert re.fullmatch(re.escape(f"{BASE_URL}/r/{slug}/2/") + r"[A-Za-z0-9_-]{16}", second)
    assert not [url for url in ARTICLE_URLS if url in html]  # only the server sends them on

    response = sent.get(first)
    assert response.status_code == 302
    assert response.headers["Location"] == with_utm(
        ARTICLE_URLS[0], source="newsletter", medium="email", campaign=slug)
    assert "utm_source=newsletter&utm_medium=email&utm_campaign=" in response.headers["Location"]
    assert response.headers["Cache-Control"] == "no-store"
    assert sent.get(first).status_code == 302
    assert sent.get(second).headers["Location"].startswith(ARTICLE_URLS[1] + "?utm_source=")
    issue_id = sent.site.store.issues.last_sent().id
    assert sent.clicks() == [(issue_id, 1, 2), (issue_id, 2, 1)]

    # staff see them per article, on the sends page and in the archive
    for page in ("/staff/sends", "/staff/archive"):
        text = httpx.get(sent.base + page).text
        counts = re.findall(r'data-article="(\d)">\s*<td><a href="([^"]+)"[^>]*>([^<]+)</a>'
                            r'</td><td class="number" data-count="clicks">(\d+)</td>', text)
        assert counts == [("1", ARTICLE_URLS[0], "Article number 2", "2"),
                          ("2", ARTICLE_URLS[1], "Article number 1", "1")], page


def test_a_head_request_is_answered_but_not_counted(sent):
    link = article_hrefs(sent.parts("ana.lopez@mail.example")[0])[0]
    assert sent.get(link, method="HEAD").status_code == 302
    assert sent.clicks() == []


def test_every_article_link_of_both_parts_is_the_same_click_link_for_every_subscriber(sent):
    ana_html, ana_text = sent.parts("ana.lopez@mail.example")
    bob_html, bob_text = sent.parts("bob.smith@mail.example")
    links = click_links(ana_html)
    assert len(links) == 4  # title and "Read" of each article (no images in this feed)
    assert sorted(set(links)) == sorted(set(article_hrefs(ana_html)))
    assert click_links(ana_text) == article_hrefs(ana_html)  # the plain part: the same links
    assert click_links(bob_html) == links and click_links(bob_text) == click_links(ana_text)


def test_a_changed_or_unknown_link_gets_400_and_counts_nothing(sent):
    link = article_hrefs(sent.parts("ana.lopez@mail.example")[0])[0]
    slug = sent.site.store.issues.last_sent().slug
    prefix, signature = link.rsplit("/", 1)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged_slug = "2020-01-01"
    bad = [
        f"{prefix}/{flipped}",                                   # a changed signature
        f"{prefix}/{signature[:-1]}",                            # a shortened one
        f"{prefix}/{signature}x",
        link.replace(f"/{slug}/1/", f"/{slug}/2/"),              # another article, same signature
        link.replace(f"/{slug}/1/", f"/{slug}/01/"),
        link.replace(f"/{slug}/1/", f"/{slug}/one/"),
        link.replace(f"/r/{slug}/", f"/r/{slug}-2/"),            # another issue
        f"{BASE_URL}/r/{slug}/1/test/{signature}",               # a counted link made a test's
        f"{BASE_URL}/r/{slug}/1/{click_signature(SECRET, slug, 1, counted=False)}",  # and back
        f"{BASE_URL}/r/{slug}/3/{click_signature(SECRET, slug, 3, counted=True)}",  # no article 3
        f"{BASE_URL}/r/{forged_slug}/1/{click_signature(SECRET, forged_slug, 1, counted=True)}",
        f"{BASE_URL}/r/{slug}/1/{click_signature('another-secret-key-0123', slug, 1, counted=True)}",
        f"{BASE_URL}/r/{slug}/1/%C3%A9{signature[2:]}",
    ]
    for wrong in bad:
        response = sent.get(wrong)
        assert response.status_code == 400, wrong
        assert "Location" not in response.headers
        assert "not one of ours" in response.text
    assert sent.clicks() == []


def test_a_link_never_redirects_to_an_address_from_the_request(sent):
    link = article_hrefs(sent.parts("ana.lopez@mail.example")[0])[0]
    for extra in ("?next=https://evil.example/", "?url=https://evil.example/&to=//evil.example"):
        response = sent.get(link + extra)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(ARTICLE_URLS[0] + "?utm_source=")
    assert "evil" not in "".join(str(row) for row in sent.clicks())


def test_no_subscriber_identifier_in_a_link_a_log_line_or_a_row_of_the_click_path(sent, caplog):
    identifiers = {address for address, _ in PEOPLE} | {name for _, name in PEOPLE}
    identifiers |= {part for address, _ in PEOPLE for part in address.split("@")[0].split(".")}
    identifiers |= {unsubscribe_token(SECRET, sid) for sid in sent.ids.values()}
    identifiers |= {unsubscribe_token(SECRET, sid).split(".")[1] for sid in sent.ids.values()}
    links = set()
    for address, _ in PEOPLE:
        html, text = sent.parts(address)
        links |= set(click_links(html)) | set(click_links(text))
    slug = sent.site.store.issues.last_sent().slug
    # each link is the issue, the article's number and the signature, nothing else
    assert {re.sub(r"/[A-Za-z0-9_-]{16}$", "/SIG", link) for link in links} == {
        f"{BASE_URL}/r/{slug}/1/SIG", f"{BASE_URL}/r/{slug}/2/SIG"}
    assert not [i for i in identifiers for link in links if i.lower() in link.lower()]

    before = database(sent.site.store)
    caplog.set_level(logging.DEBUG)
    for link in sorted(links):
        assert sent.get(link).status_code == 302
    assert sent.get(sorted(links)[0][:-3] + "xyz").status_code == 400
    after = database(sent.site.store)

    lines = [record.getMessage() for record in caplog.records]
    assert any("/r/" in line for line in lines)  # the server's request log was captured
    assert not [(i, line) for i in identifiers for line in lines if i.lower() in line.lower()]
    assert not [(sid, line) for sid in sent.ids.values() for line in lines
                if re.search(rf"subscriber\D{{0,3}}{sid}\b", line)]
    changed = {table for table in after if after[table] != before[table]}
    assert changed == {"clicks"}
    issue_id = sent.site.store.issues.last_sent().id
    assert after["clicks"] == [{"issue_id": issue_id, "article": 1, "clicks": 1},
                               {"issue_id": issue_id, "article": 2, "clicks": 1}]


def database(store: Store) -> dict[str, list[dict]]:
    """Every row of every table, to see what a request wrote."""
    tables = MetaData()
    tables.reflect(store.engine)
    with store.engine.connect() as conn:
        return {name: sorted((dict(row._mapping) for row in conn.execute(select(table))),
                             key=repr)
                for name, table in tables.tables.items()}


def test_a_test_copy_and_the_preview_link_through_the_server_but_count_nothing(sent):
    site = sent.site
    (site.folder / "feed.xml").write_bytes((site.folder / "feed.xml").read_bytes().replace(
        b"<item>", b"<item><title>Article number 3</title><link>https://clinic.example/blog/"
                   b"post-3</link><guid isPermaLink=\"false\">post-3</guid><pubDate>23 Nov 2026"
                   b" 14:00:00 GMT</pubDate><description>New.</description></item><item>", 1))
    slug = send_test(site.settings, site.store, transport_for(site.settings),
                     "staff@clinic.example", now=site.clock())
    html, text = sent.parts("staff@clinic.example")
    links = article_hrefs(html)
    assert links == [f"{BASE_URL}/r/{slug}/1/test/"
                     f"{click_signature(SECRET, slug, 1, counted=False)}"]
    assert click_links(text) == links
    response = sent.get(links[0])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://clinic.example/blog/post-3?utm_")
    assert sent.get(links[0].replace("/test/", "/")).status_code == 400  # it cannot be made to count

    page = httpx.get(sent.base + "/staff/").text
    issue = site.store.issues.open()
    frame = httpx.get(f"{sent.base}/staff/preview/{issue.id}/email.html").text
    assert article_hrefs(frame) == links  # the preview: the test copy's links
    assert sent.get(links[0]).status_code == 302
    assert "public_base_url" not in page
    assert sent.clicks() == []


def test_the_preview_warns_when_public_base_url_is_still_the_sample(site):
    site.client.get("/staff/")
    issue = site.store.issues.open()
    clicks_on = dataclasses.replace(site.settings, analytics=dataclasses.replace(
        site.settings.analytics, clicks=True))
    sample = dataclasses.replace(clicks_on, clinic=dataclasses.replace(
        clicks_on.clinic, public_base_url=SAMPLE_PUBLIC_BASE_URL))
    warned = [w for w in preview_of(issue, sample, secret=SECRET).warnings
              if "public_base_url" in w]
    assert len(warned) == 1 and SAMPLE_PUBLIC_BASE_URL in warned[0]
    assert not [w for w in preview_of(issue, clicks_on, secret=SECRET).warnings
                if "public_base_url" in w]


def test_with_clicks_off_the_email_links_straight_to_the_articles_as_before(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    assert not site.settings.analytics.clicks
    add_person(site, "ana.lopez@mail.example", "Ana Lopez")
    send_next_issue(site.settings, site.store, transport_for(site.settings), clock=site.clock)
    issue = site.store.issues.last_sent()
    message = email.message_from_bytes(smtp.messages[0].data, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    direct = [with_utm(url, source="newsletter", medium="email", campaign=issue.slug)
              for url in ARTICLE_URLS]
    assert article_hrefs(html) == [url.replace("&", "&amp;") for url in direct]
    assert re.findall(r"https://clinic\.example/blog/post-\d\S*", text) == direct
    assert "/r/" not in html and "/r/" not in text and "%%" not in html + text
    assert "Clicks are not counted" in site.client.get("/staff/sends").text


def test_the_web_version_links_to_the_articles_themselves(sent):
    slug = sent.site.store.issues.last_sent().slug
    page = httpx.get(f"{sent.base}/archive/{slug}").text
    assert article_hrefs(page) == [
        with_utm(url, source="newsletter", medium="email", campaign=slug).replace("&", "&amp;")
        for url in ARTICLE_URLS]


def test_links_are_signed_with_the_key_file_when_no_key_is_exported(tmp_path, smtp):
    """The web app checks links with the key sends sign with: the generated key file's, when
    NEWSLETTER_SECRET_KEY is not set; a link signed with an empty key is refused."""
    config = make_clinic(tmp_path, port=smtp.port, items=[item(1, 20)],
                         extra=f'[clinic]\npublic_base_url = "{BASE_URL}"\n{CLICKS_ON}')
    settings = load_settings(config, env={})
    store = Store.open(settings.database_url)
    client = create_app(settings, store=store, transport=transport_for(settings)).test_client()
    person = Subscribers(store.engine).add("ana.lopez@mail.example", name="Ana Lopez",
                                           source="cli", now=Clock()()).id
    send_next_issue(settings, store, transport_for(settings), clock=Clock())
    message = email.message_from_bytes(smtp.messages[0].data, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    assert client.get(article_hrefs(html)[0][len(BASE_URL):]).status_code == 302
    unsubscribe = re.search(re.escape(BASE_URL) + r"(/unsubscribe/[\w.-]+)", html).group(1)
    assert "ana.lopez@mail.example" in client.get(unsubscribe).text
    assert client.get(f"/unsubscribe/{unsubscribe_token('', person)}").status_code == 400
    slug = store.issues.last_sent().slug
    assert client.get(f"/r/{slug}/1/{click_signature('', slug, 1, counted=True)}"
                      ).status_code == 400


def test_a_rehearsals_copies_link_as_tests_and_count_nothing(tmp_path):
    config = make_clinic(tmp_path, outbox_delivers=False,
                         extra=f'[clinic]\npublic_base_url = "{BASE_URL}"\n{CLICKS_ON}')
    settings = load_settings(config, env={"NEWSLETTER_SECRET_KEY": SECRET})
    store = Store.open(settings.database_url)
    Subscribers(store.engine).add("ana.lopez@mail.example", name="Ana Lopez", source="cli",
                                  now=Clock()())
    report = send_next_issue(settings, store, transport_for(settings), clock=Clock())
    assert report.outcome == "rehearsal"
    saved = next((tmp_path / "outbox").rglob("*.eml")).read_bytes()
    message = email.message_from_bytes(saved, policy=email.policy.default)
    links = click_links(message.get_body(("plain",)).get_content())
    assert len(links) == 2 and all("/test/" in link for link in links)
    client = create_app(settings, store=store, transport=transport_for(settings)).test_client()
    assert client.get(links[0][len(BASE_URL):]).status_code == 302
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM clicks").scalar() == 0


def test_clicks_at_the_same_moment_are_each_counted_once(sent):
    """Many readers at once, the first click of an article included: no click is lost."""
    link = article_hrefs(sent.parts("ana.lopez@mail.example")[0])[1]
    start = threading.Barrier(8)
    statuses = []

    def reader():
        start.wait()
        with httpx.Client() as client:
            for _ in range(5):
                statuses.append(client.get(sent.base + link[len(BASE_URL):]).status_code)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 40
    assert sent.clicks() == [(sent.site.store.issues.last_sent().id, 2, 40)]
