"""The `newsletter` command group: what every command shares.

A user error prints one line (and a hint) and exits non-zero; `--verbose` adds the traceback.
The commands and the scheduler are the only places that read the clock.
"""

from __future__ import annotations

import functools
import traceback
from pathlib import Path

import click

from ..common.errors import NewsletterError
from ..common.settings import load_settings


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


def common_options(command):
    """--config and --verbose on every command, where users type them."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path),
                  help="Configuration file [default: ./newsletter.toml if present, "
                       "else the bundled sample clinic].")
    @click.option("--verbose", "-v", is_flag=True, help="Show the traceback of an error.")
    @functools.wraps(command)
    def wrapper(*args, config_path: Path | None, verbose: bool, **kwargs):
        click.get_current_context().meta["verbose"] = verbose
        _check_text(kwargs)
        return command(*args, settings=load_settings(config_path), **kwargs)

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
                byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "a byte"
                raise NotText(f"{label} is not UTF-8 text: {byte} at position "
                              f"{error.start + 1} is not a character",
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
    click.secho(f"error: {error}", fg="red", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)


def print_warnings(warnings) -> None:
    for warning in warnings:
        click.secho(f"  warning: {warning}", fg="yellow")


def print_issue(issue) -> None:
    """An issue as staff recognize it: slug, status, subject and article titles."""
    click.echo(f"Issue {issue.slug} ({issue.status}): {issue.subject}")
    click.echo(f"  {len(issue.articles)} article(s):")
    for article in issue.articles:
        click.echo(f"    - {article.title}")
