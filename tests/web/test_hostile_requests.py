"""What a stranger can type into a URL or a form, sent as real HTTP requests to a real
`newsletter serve`: never a 500, never a redirect to another host, no password guessing."""

from __future__ import annotations

import base64
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from newsletter.web.app import WRONG_PASSWORDS_PER_CLIENT

from .. import database
from ..sending_setup import ENV, add_subscribers, make_clinic, open_clinic
from ..smtpserver import free_port
from .served import request, serving

HUGE = "9" * 30


@pytest.fixture(scope="module", params=database.KINDS)
def server(request, tmp_path_factory):
    """One `newsletter serve` shared by the file's tests (starting one is the slow part),
    once on SQLite and once on PostgreSQL."""
    case = database.case(request.param, tmp_path_factory.mktemp("hostile"))
    try:
        config = make_clinic(case.folder, database_url=case.config_url,
                             extra='[clinic]\npublic_base_url = "https://news.clinic.example/n"\n')
        _, store = open_clinic(config)
        add_subscribers(store, [("ana@mail.example", "Ana")])
        store.engine.dispose()
        port = free_port()
        with serving(config, port):
            yield port
    finally:
        case.drop()


def get(port: int, path: str, method: str = "GET", body: bytes | None = None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    return request(port, f"127.0.0.1:{port}", path, method, body, headers)


@pytest.mark.parametrize("path", [
    "/unsubscribe/1.%C3%A9", "/unsubscribe/%C3%A9", "/unsubscribe/1.%FF",
    "/unsubscribe/1." + "%C3%A9" * 32, "/unsubscribe/%D9%A3.abc",
    "/confirm/1.%C3%A9", "/confirm/1.2.%C3%A9", "/confirm/%E2%91%A0.1.abc"])
def test_a_token_that_is_not_ascii_is_refused_not_a_500(server, path):
    assert get(server, path)[0] == 400
    if path.startswith("/unsubscribe/"):  # the one-click POST reaches the handler too
        assert get(server, path, "POST", b"List-Unsubscribe=One-Click")[0] == 400


@pytest.mark.parametrize("number", [HUGE, str(2**63), str(2**63 - 1), str(2**31), "0"])
def test_a_huge_issue_number_in_a_staff_url_is_not_found(server, number):
    """2**31 is the first number past PostgreSQL's integer, 2**63 past SQLite's."""
    assert get(server, f"/staff/preview/{number}/email.html")[0] == 404
    assert get(server, f"/archive/{number}")[0] == 404


def test_an_archive_slug_that_is_not_ascii_or_is_long_is_not_found(server):
    for slug in ("%C3%A9", "%FF", "x" * 5000):
        assert get(server, f"/archive/{slug}")[0] == 404, slug


def test_a_fingerprint_that_is_not_ascii_is_refused_not_a_500(server):
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{server}"
    page = browser.open(f"{base}/staff/").read().decode()  # builds the open issue
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with pytest.raises(urllib.error.HTTPError) as refused:
        browser.open(f"{base}/staff/send?issue=%C3%A9")
    assert refused.value.code == 400
    form = urllib.parse.urlencode({"csrf_token": token, "issue": "é", "name": "Ana"}).encode()
    for action in ("approve", "hold", "wording", "send"):
        answer = browser.open(f"{base}/staff/{action}", data=form)  # redirected back
        assert answer.status == 200, action
        assert "changed since you looked" in answer.read().decode(), action


@pytest.mark.parametrize("number", [HUGE, str(2**63), str(2**31), "-1", "1.5"])
def test_a_huge_issue_number_in_a_post_form_is_no_such_issue_not_a_500(server, number):
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{server}"
    page = browser.open(f"{base}/staff/").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "issue_id": number, "article": "a",
                                   "platform": "mastodon", "text_hash": "0" * 64}).encode()
    answer = browser.open(f"{base}/staff/post", data=form)  # redirected back
    assert answer.status == 200
    assert "There is no such issue." in answer.read().decode()


def test_slash_redirects_keep_to_the_address_the_browser_used(server):
    status, _, headers = get(server, "/staff?layout=phone")
    assert status == 308 and headers["Location"] == "/staff/?layout=phone"
    status, _, headers = request(server, "news.clinic.example", "/staff")
    assert status == 308 and headers["Location"] == "/staff/"


@pytest.mark.usefixtures("each_database")
def test_wrong_staff_passwords_are_limited_per_client_with_retry_after(tmp_path):
    config = make_clinic(tmp_path)
    port = free_port()

    def sign_in(password: str | None):
        auth = {"Authorization": "Basic " + base64.b64encode(
            f"Ana:{password}".encode()).decode()} if password is not None else {}
        return request(port, f"127.0.0.1:{port}", "/staff/", headers=auth)

    with serving(config, port, env={**ENV, "NEWSLETTER_STAFF_PASSWORD": "front desk 42"}):
        assert [sign_in(None)[0] for _ in range(WRONG_PASSWORDS_PER_CLIENT + 2)] == [
            401] * (WRONG_PASSWORDS_PER_CLIENT + 2)  # a browser's first try does not count
        assert sign_in("front desk 42")[0] == 200
        assert [sign_in(f"guess {n}")[0] for n in range(WRONG_PASSWORDS_PER_CLIENT)] == [
            401] * WRONG_PASSWORDS_PER_CLIENT
        status, page, headers = sign_in("guess again")
        assert status == 429 and 0 < int(headers["Retry-After"]) <= 600
        assert "Too many wrong passwords" in page and "Wait 10 minutes" in page
        assert sign_in("front desk 42")[0] == 429, "the right guess waits too"
