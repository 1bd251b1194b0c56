"""The web app of `newsletter serve`: the staff preview and the subscribers' pages.

Everything a route needs is handed to `create_app`: the settings, the store, the mail
transport and the clock. Routes read the time only through that clock, so tests can move it.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup
from flask import Flask, current_app, render_template
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ..audience.subscribers import Subscribers
from ..common.clock import Clock, utc_now
from ..common.errors import ConfigError, FeedError, NewsletterError
from ..common.i18n import gettext, long_date, number, translated
from ..common.links import tel_link
from ..common.settings import Settings
from ..common.templates import install_language, templates_dir
from ..mail.transport import Transport, transport_for
from ..storage.store import Store
from . import clicks, public, security, staff
from .context import Context
from .hosts import HostAllowList, allowed_hosts
from .ratelimit import SlidingWindow

UPLOAD_LIMIT = 5 * 1024 * 1024
"""A CSV of 50,000 patients is about 3 MB."""
SIGNUPS_PER_CLIENT, SIGNUP_WINDOW_SECONDS = 30, 600
"""Sign-ups with a valid address from one client address in 10 minutes: a front desk
signing up patients one after another stays far below it, a script mailing links to
strangers does not (and each mailbox still gets at most LINKS_PER_MAILBOX)."""
LINKS_PER_MAILBOX, LINK_WINDOW_SECONDS = 3, 3600
WRONG_PASSWORDS_PER_CLIENT, WRONG_PASSWORD_WINDOW_SECONDS = 10, 600
"""Staff mistyping their password a few times are not stopped; guessing it is hopeless."""


def create_app(settings: Settings, *, store: Store | None = None,
               transport: Transport | None = None, clock: Clock = utc_now,
               exposed: bool = False) -> Flask:
    """`transport`: one to use for every message (tests); by default a fresh one from the
    settings per request, since an SMTP connection is not shared between threads.
    `exposed`: reachable from other machines, so the staff pages must have a password."""
    secret = settings.require_secret_key()
    if (exposed or settings.web.trusted_proxies) and not settings.secrets.staff_password:
        raise ConfigError("the staff pages would be open to anyone who can reach this server",
                          hint="set NEWSLETTER_STAFF_PASSWORD in the environment, or serve "
                               "on 127.0.0.1 only")
    folder = templates_dir() / "web"
    app = Flask(__name__, template_folder=str(folder), static_folder=str(folder / "static"))
    app.config.update(
        # Its own key, derived from the secret: a session cookie can never pass for a token.
        SECRET_KEY=hmac.new(secret.encode(), b"flask-session", hashlib.sha256).hexdigest(),
        SESSION_COOKIE_NAME="newsletter_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT,
    )
    app.jinja_env.undefined = jinja2.StrictUndefined
    app.jinja_env.globals.update(settings=settings, clinic=settings.clinic)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    install_language(app.jinja_env, settings.clinic.language)
    app.jinja_env.filters["host"] = lambda url: urlsplit(url).hostname or url
    app.jinja_env.filters["tel"] = tel_link
    app.jinja_env.filters["bold"] = lambda text: Markup("<strong>{}</strong>").format(text)
    app.jinja_env.filters["mailto"] = lambda address: Markup('<a href="mailto:{0}">{0}</a>'
                                                             ).format(address)
    app.jinja_env.filters["decimal"] = lambda value: number(value, settings.clinic.language,
                                                             digits=1)
    app.jinja_env.filters["link"] = lambda text, url: Markup('<a href="{}">{}</a>').format(
        url, text)
    app.jinja_env.filters["code"] = lambda text: Markup("<code>{}</code>").format(text)
    app.jinja_env.filters["said"] = lambda text: translated(text, settings.clinic.language)
    app.jinja_env.filters["local_date"] = lambda when: long_date(
        when.astimezone(settings.zone).date(), settings.clinic.language) if when else ""
    app.jinja_env.filters["local"] = lambda when: (
        when.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z") if when else "")
    store = store or Store.open(settings.database_url)
    app.extensions["newsletter"] = Context(
        settings=settings, store=store, subscribers=Subscribers(store.engine),
        new_transport=(lambda: transport) if transport else (lambda: transport_for(settings)),
        clock=clock,
        per_client=SlidingWindow(SIGNUPS_PER_CLIENT, SIGNUP_WINDOW_SECONDS, clock),
        per_address=SlidingWindow(LINKS_PER_MAILBOX, LINK_WINDOW_SECONDS, clock),
        staff_failures=SlidingWindow(WRONG_PASSWORDS_PER_CLIENT, WRONG_PASSWORD_WINDOW_SECONDS,
                                     clock),
        secret=secret)
    app.wsgi_app = HostAllowList(app.wsgi_app, allowed_hosts(settings))
    if settings.web.trusted_proxies:  # outside the allow-list: it checks the forwarded host
        n = settings.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    security.install(app, staff_password=settings.secrets.staff_password)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(NewsletterError, _newsletter_error)

    app.register_blueprint(staff.blueprint)
    app.register_blueprint(public.blueprint)
    app.register_blueprint(clicks.blueprint)
    return app


def _http_error(error: HTTPException):
    """The page of an HTTP error, titled in the clinic's language (Werkzeug's own names
    and descriptions are English, so the message is ours where we know the code)."""
    language = current_app.extensions["newsletter"].settings.clinic.language
    titles = {404: gettext(language, "Page not found"),
              400: gettext(language, "That did not work"),
              405: gettext(language, "That did not work"),
              413: gettext(language, "That file is too large")}
    return render_template("error.html", code=error.code, title=titles.get(error.code, error.name),
                           message=error.description, hint=""), error.code


def _newsletter_error(error: NewsletterError):
    code = 502 if isinstance(error, FeedError) else 400
    language = current_app.extensions["newsletter"].settings.clinic.language
    return render_template("error.html", code=code,
                           title=gettext(language, "That did not work"),
                           message=translated(error.message, language),
                           hint=translated(error.hint, language)), code
