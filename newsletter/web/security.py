"""What keeps the web app safe: security headers, CSRF tokens, the staff login.

No page needs JavaScript, so the Content-Security-Policy allows no script at all: whatever a
feed or a subscriber manages to slip into a page cannot run. Emails shown in the preview and
the archive get a policy of their own (their inline styles, remote images, still no script).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.routing import RequestRedirect

from .context import _, context

PAGE_POLICY = ("default-src 'none'; script-src 'none'; style-src 'self'; "
               "img-src 'self' https: http: data:; frame-src 'self'; form-action 'self'; "
               "frame-ancestors 'self'; base-uri 'none'")
EMAIL_POLICY = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
                "img-src https: http: data:; form-action 'none'; frame-ancestors 'self'; "
                "base-uri 'none'")
CACHEABLE = ("/archive", "/static/", "/brand.css")
"""Public pages that hold nothing personal; every other page is no-store (staff pages, and
token pages whose URL is a key)."""

CSRF_FIELD = "csrf_token"
ONE_CLICK_ENDPOINTS = {"public.unsubscribe"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class SessionByScheme(SecureCookieSessionInterface):
    """The session cookie is Secure on HTTPS (behind the proxy) and still works when staff
    open http://127.0.0.1 on the clinic's own machine."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def install(app: Flask, *, staff_password: str) -> None:
    """Staff sign-in is checked before the CSRF token, so a stranger learns nothing more
    than "sign in" from a staff URL."""
    app.session_interface = SessionByScheme()
    app.before_request(relative_slash_redirect)
    app.before_request(lambda: require_staff(staff_password)
                       if request.blueprint == "staff" else None)
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token


def relative_slash_redirect() -> Response | None:
    """Werkzeug's own redirect (`/staff` to `/staff/`) names the host of the request's Host
    header; ours keeps the path only, so the browser stays on the address it used."""
    if isinstance(request.routing_exception, RequestRedirect):
        target = urlsplit(request.routing_exception.new_url)
        path = target.path + (f"?{target.query}" if target.query else "")
        return redirect(path, code=request.routing_exception.code)
    return None


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "SAMEORIGIN"
    headers["Referrer-Policy"] = "no-referrer"  # unsubscribe and confirm tokens are in URLs
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith(CACHEABLE) or response.status_code >= 400:
        headers["Cache-Control"] = "no-store"
    return response


def csrf_token() -> str:
    """This browser session's token; every form carries it in a hidden field."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf() -> None:
    """Every POST must carry the session's token, so another site cannot make a visitor's
    browser submit our forms (SameSite=Lax cookies are a second wall, not the only one).

    The exception is RFC 8058's one-click unsubscribe: the mailbox provider POSTs
    `List-Unsubscribe=One-Click` to the link from the List-Unsubscribe header, from its own
    servers, with no cookies and so no session. There the signed token in the URL is the
    authorization: only someone holding that subscriber's link can use it, and all it can do
    is what the link promises.
    """
    if request.method != "POST":
        return
    if request.endpoint in ONE_CLICK_ENDPOINTS and is_one_click():
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD, "")
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, _("This form expired or did not come from this site. Go back, reload "
                     "the page and try again."))


def is_one_click() -> bool:
    return request.form.get("List-Unsubscribe") == "One-Click"


def require_staff(password: str) -> Response | None:
    """HTTP Basic auth when a staff password is set; the user name names the approver.
    Without a password the app only runs on the loopback address (serve checks that).
    Wrong passwords are counted per client address, so nobody can guess at speed; a
    request with no password at all (a browser's first one) does not count."""
    g.staff_name = ""
    if not password:
        return None
    failures, client = context().staff_failures, request.remote_addr or "?"
    if wait := failures.retry_after(client):
        minutes = max(1, -(-wait // 60))
        page = render_template("error.html", code=429, title=_("Too many wrong passwords"),
                               message=_("Wait %(minutes)s minutes, then sign in again.",
                                         minutes=minutes), hint="")
        return Response(page, 429, {"Retry-After": str(wait)})
    auth = request.authorization
    given = (auth.password or "") if auth and auth.type == "basic" else ""
    if not hmac.compare_digest(given.encode(), password.encode()):
        if given:
            failures.allow(client)
        page = render_template("error.html", code=401, title=_("Staff sign-in needed"),
                               message=_("Sign in with your name and the staff password."),
                               hint="")
        return Response(page, 401, {"WWW-Authenticate":
                                    'Basic realm="Newsletter staff", charset="UTF-8"'})
    g.staff_name = auth.username or ""
    return None


def is_loopback(host: str) -> bool:
    return host.strip().lower() in LOOPBACK_HOSTS or host.startswith("127.")
