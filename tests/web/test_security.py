"""Security of the web app: headers on every page, no script from a feed or a subscriber can
run, CSRF on every form, and `newsletter serve` refuses to expose the staff pages."""

import subprocess

import pytest

from newsletter.common.errors import ConfigError
from newsletter.common.settings import load_settings
from newsletter.common.tokens import unsubscribe_token
from newsletter.web import create_app
from newsletter.web.app import SIGNUPS_PER_CLIENT

from ..helpers import NEWSLETTER, clean_env, item
from ..sending_setup import ENV, SECRET, make_clinic
from ..web_setup import add_person, csrf_of, form_token, make_site

pytestmark = pytest.mark.usefixtures("each_database")

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Escaped once more for the feed's XML, so that after parsing the title is HOSTILE as text.
HOSTILE_IN_FEED = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path, items=[item(1, 20, title=HOSTILE_IN_FEED), item(2, 21)])


def every_page(site):
    site.client.get("/staff/")
    issue = site.store.issues.open()
    ana = add_person(site, "ana@mail.example", HOSTILE)
    site.subscribers.unsubscribe(ana, now=site.clock())
    return {"/staff/": "no-store", "/staff/subscribers": "no-store",
            "/staff/sends": "no-store", f"/staff/preview/{issue.id}/email.html": "no-store",
            f"/unsubscribe/{unsubscribe_token(SECRET, ana)}": "no-store",
            "/unsubscribe/sample": "no-store", "/unsubscribe": "no-store",
            "/subscribe": "no-store", "/confirm/bad.token": "no-store",
            "/archive": None, "/archive/nope": "no-store", "/static/web.css": None}


def test_every_response_carries_the_security_headers(site):
    """Each page is checked as itself (its own status, not a redirect or an error page
    standing in for it), and the list of pages is not empty."""
    pages = every_page(site)
    assert len(pages) == 12
    for path, cache in pages.items():
        response = site.client.get(path)
        assert response.status_code == {"/confirm/bad.token": 400,
                                        "/archive/nope": 404}.get(path, 200), path
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'none'" in policy and "default-src 'none'" in policy, path
        assert "frame-ancestors 'self'" in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        if cache:
            assert headers["Cache-Control"] == cache, path
        else:
            assert "no-store" not in headers.get("Cache-Control", ""), path


def test_a_hostile_feed_title_and_subscriber_name_render_as_text(site):
    for path in every_page(site):
        text = site.client.get(path).text
        assert "<script" not in text and "<img src=x" not in text, path
    assert site.store.issues.open().articles[1].title == HOSTILE
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert escaped in site.client.get("/staff/").text
    assert escaped in site.client.get("/staff/subscribers").text


def test_posts_from_another_site_are_refused_on_every_form(site):
    issue_page = site.client.get("/staff/")
    assert issue_page.status_code == 200
    stranger = site.new_client()  # no session cookie, no token: what a forged form sends
    for path in ("/staff/test", "/staff/wording", "/staff/approve", "/staff/hold",
                 "/staff/subscribers/import", "/subscribe", "/confirm/x.y",
                 f"/unsubscribe/{unsubscribe_token(SECRET, 1)}"):
        assert stranger.post(path, data={"address": "x@mail.example"}).status_code == 400, path
    token = form_token(site.client, "/subscribe")
    assert stranger.post("/subscribe", data={"csrf_token": token}).status_code == 400


def test_the_session_cookie_is_http_only_and_same_site(site):
    response = site.client.get("/subscribe")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = site.client.get("/subscribe", base_url="https://clinic.test")
    assert "Secure" in secure.headers["Set-Cookie"]
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_app_refuses_to_expose_staff_pages_without_a_password(tmp_path):
    config = make_clinic(tmp_path)
    with pytest.raises(ConfigError, match="open to anyone"):
        create_app(load_settings(config, env=ENV), exposed=True)
    with pytest.raises(ConfigError, match="NEWSLETTER_SECRET_KEY"):
        create_app(load_settings(config, env={"NEWSLETTER_SECRET_KEY": "short"}))
    create_app(load_settings(config, env={}))  # no exported key: the kept one serves
    proxied = make_clinic(tmp_path, extra="[web]\ntrusted_proxies = 1\n")
    with pytest.raises(ConfigError, match="open to anyone"):
        create_app(load_settings(proxied, env=ENV))


def serve(config, *args, env=ENV):
    return subprocess.run([NEWSLETTER, "serve", "--config", str(config), *args],
                          env=clean_env(env), capture_output=True, text=True,
                          timeout=60)


def test_serve_refuses_a_public_address_without_a_staff_password(tmp_path):
    config = make_clinic(tmp_path)
    result = serve(config, "--host", "0.0.0.0")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "error: the staff pages would be open to anyone who can reach this server")
    assert "NEWSLETTER_STAFF_PASSWORD" in result.stderr and "Traceback" not in result.stderr
    short_secret = serve(config, env={"NEWSLETTER_SECRET_KEY": "short"})
    assert short_secret.returncode == 1
    assert "NEWSLETTER_SECRET_KEY is shorter than 16 characters" in short_secret.stderr


def test_behind_a_trusted_proxy_the_client_address_and_prefix_come_from_it(tmp_path):
    site = make_site(tmp_path, password="staff only", extra="[web]\ntrusted_proxies = 1\n")
    assert site.client.get("/staff/").status_code == 401
    proxy = {"X-Forwarded-Prefix": "/newsletter", "X-Forwarded-Proto": "https"}
    page = site.client.get("/archive", headers=proxy)
    assert 'href="/newsletter/subscribe"' in page.text
    form = site.client.get("/subscribe", headers=proxy)
    assert "Secure" in form.headers["Set-Cookie"]  # HTTPS at the proxy: a Secure cookie
    token = csrf_of(form.text)

    def sign_up(client_address: str, n: int = 0) -> int:
        return site.client.post("/subscribe", headers={**proxy, "X-Forwarded-For": client_address},
                                data={"csrf_token": token, "email": f"a{n}@mail.example"}
                                ).status_code

    assert [sign_up("198.51.100.1", n) for n in range(SIGNUPS_PER_CLIENT + 1)] == [
        200] * SIGNUPS_PER_CLIENT + [429]
    assert sign_up("198.51.100.2") == 200  # another reader behind the same proxy
