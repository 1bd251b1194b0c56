"""One exception hierarchy for everything a user can get wrong or the world can break.

The CLI prints the message (and the hint) as one clear line and exits non-zero; only
`--verbose` shows a traceback; the web shows it as a page. Anything that is not a
`NewsletterError` is a bug.

A message is English with %(name)s placeholders and its values as keywords,
`FeedError("%(url)s: not a feed", url=url)`: `str(error)` is English (logs, tests) and the
CLI says `error.message` and `error.hint` (Phrases) in the clinic's language; a page that
has one line for it (a flash message, a send's outcome) says `error.told(language)`.

The rule for where an error lives: this module holds the base and one class per kind of
trouble, named by what the user has to look at (the config, the feed, the database, a
subscriber, a template, something asked for by name, the mail server). A particular case
(a schedule file, a lock someone holds, a refused address) is defined in the module that
raises it, derives from its kind (or from NewsletterError when no kind fits), and whoever
catches it imports it from there.
"""


from .i18n import Phrase, gettext


class NewsletterError(Exception):
    """A problem the user can act on. `hint` says what to do about it; `values` fill the
    placeholders of both."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "", **values):
        self.message = message if isinstance(message, Phrase) else Phrase(message, **values)
        self.hint = hint if isinstance(hint, Phrase) else Phrase(hint, **values)
        super().__init__(str(self.message))

    def told(self, language: str) -> str:
        """The message and, in brackets, the hint, both in `language`: what one line on a
        page says of the error ("no such issue (check the link)")."""
        message = self.message.translated(language)
        if not self.hint:
            return message
        return gettext(language, "%(message)s (%(hint)s)", message=message,
                       hint=self.hint.translated(language))


class ConfigError(NewsletterError):
    """The configuration file or the environment holds a wrong value."""


class FeedError(NewsletterError):
    """The feed could not be fetched or is not a feed at all."""


class StoreError(NewsletterError):
    """The database could not be opened or holds something unexpected."""


class SubscriberError(NewsletterError):
    """A subscriber operation that cannot be done: a bad address, a suppressed address,
    an unreadable import file."""


class TemplateError(NewsletterError):
    """A template the clinic edited cannot be used; the message names the file."""


class NotFound(NewsletterError):
    """Something asked for by name (a platform, an article, an issue) is not there."""


class MailError(NewsletterError):
    """The mail server (or the outbox) did not take a message."""
