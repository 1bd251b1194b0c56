"""newsletter serve: the staff preview and the subscribers' pages, over waitress."""

from __future__ import annotations

import errno
import logging

import click

from ..common.errors import NewsletterError
from ..common.i18n import Phrase
from ..common.settings import Settings
from .base import _, common_options, main


@main.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any but 127.0.0.1, localhost or ::1 needs "
                   "NEWSLETTER_STAFF_PASSWORD.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Requests handled at once.")
def serve(settings: Settings, host: str, port: int, threads: int):
    """Serve the staff preview (/staff/) and the subscribers' pages (unsubscribe,
    subscribe, archive) until stopped with Ctrl-C.

    On the loopback address the staff pages need no password; on any other address,
    or with [web] trusted_proxies set, they ask for NEWSLETTER_STAFF_PASSWORD (HTTP
    Basic auth; the user name is recorded as the approver). Put it behind an HTTPS
    reverse proxy to reach subscribers.

    \b
    Example:
      newsletter serve --port 8000
    """
    import waitress

    from ..web import create_app
    from ..web.security import is_loopback

    app = create_app(settings, exposed=not is_loopback(host))
    shown = f"[{host}]" if ":" in host else host
    proxied = bool(settings.web.trusted_proxies)
    try:  # Behind a proxy the app's ProxyFix reads X-Forwarded-*; else waitress drops them.
        server = waitress.create_server(app, host=host, port=port, threads=threads,
                                        ident="newsletter",
                                        clear_untrusted_proxy_headers=not proxied)
    except OSError as error:
        raise CannotListen("cannot listen on %(where)s: %(why)s", where=f"{shown}:{port}",
                           why=error.strerror or error, hint=_listen_hint(error, port)) from None
    url = f"http://{shown}:{port}/staff/"
    click.echo(_("Staff preview: %(url)s  (Ctrl-C stops)", url=url))
    logging.basicConfig()  # as waitress.serve does: its warnings reach the terminal
    server.run()


class CannotListen(NewsletterError):
    """The address or port given to `newsletter serve` cannot be used."""


def _listen_hint(error: OSError, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return Phrase("another program (another `newsletter serve`?) already uses port "
                      "%(port)d: stop it, or choose another port with --port", port=port)
    if error.errno == errno.EACCES:
        return Phrase("ports below 1024 need extra rights: choose another with --port, e.g. 8000")
    if error.errno == errno.EADDRNOTAVAIL:
        return Phrase("this machine has no such address: check --host (127.0.0.1 by default)")
    return Phrase("check --host and --port")
