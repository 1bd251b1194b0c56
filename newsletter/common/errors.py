"""One exception hierarchy for everything a user can get wrong or the world can break.

The CLI prints `str(error)` (and the hint) as one clear line and exits non-zero; only
`--verbose` shows a traceback. Anything that is not a `NewsletterError` is a bug.
"""


class NewsletterError(Exception):
    """A problem the user can act on. `hint` says what to do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class ConfigError(NewsletterError):
    """The configuration file or the environment holds a wrong value."""


class FeedError(NewsletterError):
    """The feed could not be fetched or is not a feed at all."""


class FeedGone(FeedError):
    """The server said 410 Gone: the feed is retired and will not be fetched again."""


class StoreError(NewsletterError):
    """The database could not be opened or holds something unexpected."""


class SubscriberError(NewsletterError):
    """A subscriber operation that cannot be done: a bad address, a suppressed address,
    an unreadable import file."""


class TemplateError(NewsletterError):
    """A template the clinic edited cannot be used; the message names the file."""


class NotFound(NewsletterError):
    """Something asked for by name (a platform, an article, an issue) is not there."""
