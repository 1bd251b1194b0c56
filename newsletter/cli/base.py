"""The `newsletter` command group: what every command shares.

A user error prints one line (and a hint) and exits non-zero; `--verbose` adds the traceback.
The commands and the scheduler are the only places that read the clock. Everything printed
is said in clinic.language (`_`, `_n`, and the Phrases of errors and warnings), a mistake
in the config file too if its clinic.language can be read; else English.
"""

from __future__ import annotations

import functools
import traceback
from pathlib import Path

import click

from ..common.errors import ConfigError, NewsletterError
from ..common.i18n import Phrase, gettext, ngettext, translated
from ..common.settings import configured_language, load_settings


class Commands(click.Group):
    """Turns a NewsletterError from any command into one clear line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsletterError as error:
            if ctx.meta.get("verbose"):
                traceback.print_exc()
            print_error(error)
            ctx.exit(error.exit_code)


def language() -> str:
    """The clinic's language, once the command has read the settings; else English."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("language", "en") if ctx else "en"


def _(message: str, /, **values) -> str:
    """`message` in the clinic's language."""
    return gettext(language(), message, **values)


def _n(singular: str, plural: str, count: int, /, **values) -> str:
    """One of the two in the clinic's language, by `count` (%(num)d in them)."""
    return ngettext(language(), singular, plural, count, **values)


def said(text: str) -> str:
    """A Phrase (an error's message, a warning) in the clinic's language."""
    return translated(text, language())


def common_options(command):
    """--config and --verbose on every command, where users type them."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path),
                  help="Configuration file [default: ./newsletter.toml if present, "
                       "else the bundled sample clinic].")
    @click.option("--verbose", "-v", is_flag=True, help="Show the traceback of an error.")
    @functools.wraps(command)
    def wrapper(*args, config_path: Path | None, verbose: bool, **kwargs):
        meta = click.get_current_context().meta
        meta["verbose"] = verbose
        try:
            settings = load_settings(config_path)
        except ConfigError:
            meta["language"] = configured_language(config_path)
            raise
        meta["language"] = settings.clinic.language
        _check_text(kwargs)
        return command(*args, settings=settings, **kwargs)

    return wrapper


class NotText(NewsletterError):
    """An argument whose bytes are not UTF-8 (Python keeps them as lone surrogates, which
    no database, file or mail header takes)."""


def _check_text(values: dict) -> None:
    params = {param.name: param for param in click.get_current_context().command.params}
    for key, value in values.items():
        for text in value if isinstance(value, (tuple, list)) else (value,):
            if not isinstance(text, str):
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:
                param = params.get(key)
                label = (param.opts[0] if isinstance(param, click.Option)
                         else param.human_readable_name if param else key)
                code = ord(text[error.start])  # 0xDC80-0xDCFF: the undecodable byte
                byte = (Phrase("byte 0x%(byte)02x", byte=code - 0xDC00)
                        if 0xDC80 <= code <= 0xDCFF else Phrase("a byte"))
                raise NotText("%(label)s is not UTF-8 text: %(byte)s at position %(position)d "
                              "is not a character", label=label, byte=byte,
                              position=error.start + 1,
                              hint="type it again in a terminal set to UTF-8 (LANG=C.UTF-8, "
                                   "say), or import it from a UTF-8 CSV file") from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clinic-newsletter")
def main():
    """Turn a clinic's blog feed into a newsletter email and social snippets.

    Start with `newsletter build`: it runs on the bundled sample clinic with no
    configuration at all.
    """


def print_error(error: NewsletterError) -> None:
    """One line saying what went wrong and where, and one saying what to do about it."""
    message = getattr(error, "message", str(error))
    click.secho(_("error: %(message)s", message=said(message)), fg="red", err=True)
    if error.hint:
        click.echo(_("hint: %(hint)s", hint=said(error.hint)), err=True)


def print_warnings(warnings) -> None:
    for warning in warnings:
        click.secho(_("  warning: %(warning)s", warning=said(warning)), fg="yellow")


def print_issue(issue) -> None:
    """An issue as staff recognize it: slug, status, subject and article titles."""
    click.echo(_("Issue %(slug)s (%(status)s): %(subject)s", slug=issue.slug,
                 status=status_name(issue.status), subject=issue.subject))
    click.echo(_n("  %(num)d article(s):", "  %(num)d article(s):", len(issue.articles)))
    for article in issue.articles:
        click.echo(f"    - {article.title}")


def status_name(status: str) -> str:
    """An issue's, a send's or a subscriber's status as the clinic's language says it."""
    names = {"draft": _("draft"), "held": _("held"), "approved": _("approved"),
             "sending": _("sending"), "sent": _("sent"), "complete": _("complete"),
             "paused": _("paused"), "incomplete": _("incomplete"), "failed": _("failed"),
             "pending": _("pending"),
             "active": _("active"), "unsubscribed": _("unsubscribed"), "bounced": _("bounced"),
             "complained": _("complained")}
    return names.get(status, status)
