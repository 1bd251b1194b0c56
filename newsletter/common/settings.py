"""The one wiring point: the TOML file and the environment become a frozen `Settings`.

Nothing else in the package reads a config file or `os.environ`. Every section is a frozen
dataclass whose defaults are the bundled sample clinic, so with no file at all the tool runs.
An unknown key or a value of the wrong type is an error that names the key and the file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .i18n import Phrase, known_language
from .tomlfile import Table, read_toml

SAMPLE_FEED = "sample"
"""The `feed.source` value that means the bundled sample feed of the first clinic."""

SAMPLE_FEED_FILE = Path(__file__).resolve().parent.parent / "feed" / "samples" / "clinic.rss.xml"

SAMPLE_PUBLIC_BASE_URL = "https://advancedphysicalmedicine.example/newsletter"
"""The sample clinic's address: links under it reach no server."""

CONFIG_FILE_NAME = "newsletter.toml"
DEFAULTS_SOURCE = "the bundled defaults"


@dataclass(frozen=True)
class ClinicSettings:
    name: str = "Advanced Physical Medicine of St. Charles"
    postal_address: str = "100 Sample Street, St. Charles, MO 63301, USA"
    website: str = "https://advancedphysicalmedicine.example"
    public_base_url: str = SAMPLE_PUBLIC_BASE_URL
    timezone: str = "America/Chicago"
    language: str = "en"
    brand_color: str = "#0f6b5c"
    logo_url: str = ""
    phone: str = "+1 636-555-0100"
    """Shown in each email's call to action as a tap-to-call (tel:) link; empty: none."""
    booking_url: str = "https://advancedphysicalmedicine.example/book"
    """The "Book an appointment" button of each email; empty: none."""


@dataclass(frozen=True)
class SenderSettings:
    name: str = "Advanced Physical Medicine of St. Charles"
    address: str = "news@advancedphysicalmedicine.example"
    reply_to: str = "frontdesk@advancedphysicalmedicine.example"


@dataclass(frozen=True)
class FeedSettings:
    source: str = SAMPLE_FEED
    """A feed (RSS, Atom, JSON Feed), the blog's web page (its feed is found, or its pages
    are read), a file, or "sample"."""
    timeout_seconds: float = 10.0
    max_pages: int = 12
    """A blog read without a feed: at most this many article pages are read a run."""


@dataclass(frozen=True)
class IssueSettings:
    articles_per_issue: int = 6
    summary_chars: int = 240
    first_run_window_days: int = 45
    flood_threshold: int = 8
    backlog_max_days: int = 60
    """A new article older than this is not mailed any more: it leaves the queue with a note."""
    subject: str = ""
    preheader: str = ""


@dataclass(frozen=True)
class WelcomeSettings:
    enabled: bool = False
    """True: someone who confirms their subscription gets templates/email/welcome.*."""
    subject: str = ""
    """Empty: "Welcome to the <clinic> newsletter"."""


@dataclass(frozen=True)
class StoreSettings:
    database_url: str = "sqlite:///newsletter.db"
    outbox: str = "outbox"
    outbox_delivers: bool = False
    """False: with no SMTP host, a send to the outbox is a rehearsal: the files are written,
    nothing counts as sent and the issue stays open. True: the outbox is how mail leaves
    (a pickup folder a local mail server reads), so a send to it is the real one."""
    lock_stale_seconds: int = 300
    """A send's lock that shows no sign of life this long is taken over by the next send.
    A running send renews it every few seconds, whatever it is waiting for."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    """Empty: no SMTP server; messages are written as .eml files to the outbox instead."""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    timeout_seconds: float = 30.0
    rate_per_second: float = 0.0
    """At most this many messages a second over all connections together (0: as fast as
    the server accepts them)."""
    connections: int = 16
    """Connections to the server at once, each with one message under way: a relay tens of
    milliseconds away makes one connection wait most of its time (see the README's Speed)."""
    retries: int = 3
    retry_wait_seconds: float = 2.0
    pause_after_failures: int = 10
    give_up_after_attempts: int = 5
    """An address still deferred (4xx) by this many runs is failed, and the issue completes."""
    give_up_after_days: int = 3
    """... or by any run this many days after it was first deferred."""


@dataclass(frozen=True)
class WorkerSettings:
    """Send workers (`newsletter send --worker`) sharing one issue's list, on PostgreSQL."""

    claim_batch: int = 100
    """Subscribers a sender claims at a time: fewer claims to make, against an even share."""
    claim_lapse_seconds: float = 300.0
    """A sender silent this long is taken for dead and its claims are taken over by another
    (a message held up longer than this may then go out twice). Five minutes, as for the
    send lock: well above the 2 min 14 s the default SMTP settings can spend on one
    message (four attempts of 30 s and the waits between them)."""


@dataclass(frozen=True)
class WebSettings:
    trusted_proxies: int = 0
    """How many reverse proxies in front of `newsletter serve` add X-Forwarded-For (1 behind
    one nginx). 0: the app is reached directly and those headers are ignored."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the web app answers to besides 127.0.0.1, localhost, [::1] and the host
    of clinic.public_base_url; any other Host header gets 400 (DNS rebinding)."""


@dataclass(frozen=True)
class AnalyticsSettings:
    clicks: bool = False
    """True: article links go through the clinic's server (/r/...), which counts clicks per
    article per issue, never who clicked (see the README's "Clicks")."""


@dataclass(frozen=True)
class PostingSettings:
    """Where the networks' APIs are (tests point them at loopback); the accounts and their
    credentials come from the environment only (see `Secrets`)."""

    bluesky_pds_url: str = "https://bsky.social"
    facebook_graph_url: str = "https://graph.facebook.com/v21.0"
    timeout_seconds: float = 20.0
    retries: int = 3
    """A 429 or 5xx answer is asked again at most this many times."""
    retry_wait_seconds: float = 2.0
    """The first wait when the platform does not say (Retry-After), doubling each time."""
    max_wait_seconds: float = 120.0
    """A platform asking to wait longer than this is not waited for: try again later."""


@dataclass(frozen=True)
class Secrets:
    """From the environment only, never from a file in the repository."""

    secret_key: str = field(default="", repr=False)
    smtp_password: str = field(default="", repr=False)
    staff_password: str = field(default="", repr=False)
    mastodon_url: str = ""
    """The Mastodon instance the clinic's account is on, e.g. https://mastodon.social."""
    mastodon_token: str = field(default="", repr=False)
    bluesky_handle: str = ""
    bluesky_app_password: str = field(default="", repr=False)
    facebook_page_id: str = ""
    facebook_page_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class SchedulerSettings:
    schedules: str = "schedules"
    """The folder of schedule files, one `*.toml` per schedule."""
    misfire_grace_seconds: int = 3600
    """A run this late still goes out; a later one is held for staff instead. An hour
    covers a reboot or a slow previous job and is still the same morning."""
    feed_alert_after_failures: int = 3
    staff_alert_address: str = ""
    """Where feed alerts and held-issue notices go; empty: only the log says it."""


SECRET_VARIABLES = {"secret_key": "NEWSLETTER_SECRET_KEY",
                    "smtp_password": "NEWSLETTER_SMTP_PASSWORD",
                    "staff_password": "NEWSLETTER_STAFF_PASSWORD",
                    "mastodon_url": "NEWSLETTER_MASTODON_URL",
                    "mastodon_token": "NEWSLETTER_MASTODON_TOKEN",
                    "bluesky_handle": "NEWSLETTER_BLUESKY_HANDLE",
                    "bluesky_app_password": "NEWSLETTER_BLUESKY_APP_PASSWORD",
                    "facebook_page_id": "NEWSLETTER_FACEBOOK_PAGE_ID",
                    "facebook_page_token": "NEWSLETTER_FACEBOOK_PAGE_TOKEN"}


@dataclass(frozen=True)
class Settings:
    clinic: ClinicSettings = field(default_factory=ClinicSettings)
    sender: SenderSettings = field(default_factory=SenderSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)
    issue: IssueSettings = field(default_factory=IssueSettings)
    welcome: WelcomeSettings = field(default_factory=WelcomeSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    posting: PostingSettings = field(default_factory=PostingSettings)
    secrets: Secrets = field(default_factory=Secrets)
    base_dir: Path = field(default_factory=Path.cwd)
    """Relative paths in the file (feed, database, outbox) are relative to this folder."""
    source: str = DEFAULTS_SOURCE
    """Where these settings came from, for messages."""

    @property
    def config_file(self) -> Path | None:
        """The file these settings were read from, None for the bundled defaults."""
        return None if self.source == DEFAULTS_SOURCE else Path(self.source).resolve()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    def path(self, value: str) -> Path:
        return (self.base_dir / value).resolve()

    @property
    def feed_source(self) -> str:
        """The feed as fetch takes it: a URL, or an absolute path."""
        source = self.feed.source
        if source == SAMPLE_FEED:
            return str(SAMPLE_FEED_FILE)
        if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I):
            return source
        return str(self.path(source))

    @property
    def database_url(self) -> str:
        """A relative SQLite path is made absolute against `base_dir`."""
        url = self.store.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.path(url[len(prefix):]))
        return url


    @property
    def secret_key_file(self) -> Path:
        """Where a generated secret key is kept: beside a SQLite database (it belongs to
        that database's subscribers), else in the config's folder."""
        url = self.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and ":memory:" not in url:
            database = Path(url[len(prefix):].split("?", 1)[0])
            return database.with_name(database.name + ".secret-key")
        return self.path("newsletter.secret-key")

    def require_secret_key(self) -> str:
        """NEWSLETTER_SECRET_KEY if it is exported, else the key kept in `secret_key_file`,
        made on first use: staff need not invent one before they can try a send."""
        variable = SECRET_VARIABLES["secret_key"]
        if self.secrets.secret_key:
            if len(self.secrets.secret_key) < 16:
                raise ConfigError("%(variable)s is shorter than 16 characters",
                                  hint="unset it to use the key kept in %(file)s, or set it to "
                                       "a long random string", variable=variable,
                                  file=self.secret_key_file)
            return self.secrets.secret_key
        return _kept_secret_key(self.secret_key_file)


def _kept_secret_key(path: Path) -> str:
    """The key in `path`, created (owner-only, atomically) if there is none yet."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as error:
        raise ConfigError("cannot create the secret key file %(path)s: %(why)s",
                          hint="make the database's folder writable, or export "
                               "NEWSLETTER_SECRET_KEY", path=path, why=error.strerror) from None
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
    try:
        if path.stat().st_mode & 0o077:
            raise ConfigError("the secret key file %(path)s can be read by others",
                              hint="chmod 600 %(path)s", path=path)
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError("cannot read the secret key file %(path)s: %(why)s", path=path,
                          why=error) from None
    if len(key) < 16:
        raise ConfigError("the secret key file %(path)s holds no usable key (under 16 "
                          "characters)", hint="delete it to have a new one made (links "
                                              "already sent stop working)", path=path)
    return key


def load_settings(path: Path | None = None, cwd: Path | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `path`, else from ./newsletter.toml if present, else the defaults;
    secrets from `env` (the process environment unless given)."""
    cwd = cwd or Path.cwd()
    env = os.environ if env is None else env
    secrets = Secrets(**{key: env.get(name, "") for key, name in SECRET_VARIABLES.items()})
    if path is None:
        candidate = cwd / CONFIG_FILE_NAME
        if not candidate.exists():
            return _validated(Settings(base_dir=cwd, secrets=secrets))
        path = candidate
    raw = read_toml(path, what=Phrase("config file"),
                    missing_hint=Phrase("copy newsletter.example.toml to newsletter.toml"))
    sections = {}
    for name, value in raw.items():
        section_type = _section_types().get(name)
        if section_type is None:
            raise ConfigError("%(path)s: unknown section [%(name)s]", path=path, name=name,
                              hint="known sections: %(known)s",
                              known=", ".join(_section_types()))
        if not isinstance(value, dict):
            raise ConfigError("%(path)s: [%(name)s] must be a table of keys", path=path,
                              name=name)
        sections[name] = _build_section(section_type, Table(value, path=path,
                                                            prefix=f"{name}."), name)
    settings = Settings(**sections, secrets=secrets, base_dir=Path(path).resolve().parent,
                        source=str(path))
    return _validated(settings)


def configured_language(path: Path | None = None, cwd: Path | None = None) -> str:
    """clinic.language as the config file gives it, to say a mistake elsewhere in that file
    in the clinic's language; English when the file cannot tell."""
    try:
        raw = read_toml(path or (cwd or Path.cwd()) / CONFIG_FILE_NAME, what="config file")
        language = raw.get("clinic", {}).get("language", "en")
    except (ConfigError, AttributeError):
        return "en"
    return language if isinstance(language, str) and known_language(language) else "en"


def _section_types() -> dict[str, type]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in dataclasses.fields(Settings)
            if dataclasses.is_dataclass(hints[f.name]) and f.name != "secrets"}


def _build_section(section_type: type, table: Table, section: str):
    hints = typing.get_type_hints(section_type)
    known = sorted(f.name for f in dataclasses.fields(section_type))
    table.only(known, takes=f"[{section}]")
    return section_type(**{key: table.get(key, hints[key]) for key in table.values})


def _between(least, most, value) -> Phrase:
    return Phrase("must be between %(least)s and %(most)s, not %(value)s", least=least,
                  most=most, value=value)


def _api_url(url: str) -> bool:
    """https, or plain http to this machine only: a token must not cross a network bare."""
    found = re.match(r"^(https?)://(\[[^\]]+\]|[^\s/:]+)", url)
    return bool(found) and (found.group(1) == "https" or
                            found.group(2) in ("127.0.0.1", "localhost", "[::1]"))


_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HOST_NAME = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]")
_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def _validated(settings: Settings) -> Settings:
    """Checks that need more than a type: each names the key it is about."""
    where = settings.source

    def fail(key: str, why: Phrase):
        raise ConfigError(Phrase("%(path)s: %(key)s %(why)s", path=where, key=key, why=why))

    try:
        ZoneInfo(settings.clinic.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail("clinic.timezone", Phrase("is not a known time zone: %(value)r (use a name like "
                                "America/Chicago)", value=settings.clinic.timezone))
    if not known_language(settings.clinic.language):
        fail("clinic.language", Phrase("is not a language code like en or es: %(value)r",
             value=settings.clinic.language))
    if not _HEX_COLOR.match(settings.clinic.brand_color):
        fail("clinic.brand_color", Phrase("must be a 6-digit hex color like #0f6b5c, not "
                                          "%(value)r",
             value=settings.clinic.brand_color))
    for key in ("website", "public_base_url", "logo_url", "booking_url"):
        value = getattr(settings.clinic, key)
        if (value or key not in ("logo_url", "booking_url")) and not re.match(r"^https?://[^\s/]+", value):
            fail(f"clinic.{key}", Phrase("must be an absolute http(s) URL, not %(value)r",
                                         value=value))
    phone = settings.clinic.phone
    if phone and (not re.fullmatch(r"\+?[0-9 ()./-]+", phone)
                  or not 7 <= len(re.sub(r"\D", "", phone)) <= 15):
        fail("clinic.phone", Phrase("must be a phone number like +1 636-555-0100, not "
                                    "%(value)r",
             value=phone))
    for key in ("name", "postal_address"):
        if not getattr(settings.clinic, key).strip():
            if key == "postal_address":
                fail(f"clinic.{key}", Phrase("must not be empty (the law asks for it in every "
                                             "email)"))
            fail(f"clinic.{key}", Phrase("must not be empty"))
    for key in ("address", "reply_to"):
        value = getattr(settings.sender, key)
        if (value or key == "address") and not _ADDRESS.match(value):
            fail(f"sender.{key}", Phrase("is not an email address: %(value)r", value=value))
    if any(c in settings.welcome.subject for c in "\r\n"):
        fail("welcome.subject", Phrase("must be one line"))
    if any(c in settings.sender.name for c in "\r\n"):
        fail("sender.name", Phrase("must be one line"))
    bounds = {"articles_per_issue": (1, 50), "summary_chars": (40, 2000),
              "first_run_window_days": (1, 3650), "flood_threshold": (1, 1000),
              "backlog_max_days": (1, 3650)}
    for key, (least, most) in bounds.items():
        value = getattr(settings.issue, key)
        if not least <= value <= most:
            fail(f"issue.{key}", _between(least, most, value))
    if not 1 <= settings.workers.claim_batch <= 10000:
        fail("workers.claim_batch", _between(1, 10000, settings.workers.claim_batch))
    if not settings.workers.claim_lapse_seconds > 0:
        fail("workers.claim_lapse_seconds", Phrase("must be more than 0 seconds"))
    if not 1 <= settings.feed.max_pages <= 200:
        fail("feed.max_pages", _between(1, 200, settings.feed.max_pages))
    if not 0 < settings.feed.timeout_seconds <= 300:
        fail("feed.timeout_seconds", Phrase("must be between 0 and 300 seconds"))
    if not settings.feed.source.strip():
        fail("feed.source", Phrase("must name a feed URL, a file or \"sample\""))
    smtp = settings.smtp
    if smtp.security not in ("starttls", "ssl", "none"):
        fail("smtp.security", Phrase("must be starttls, ssl or none, not %(value)r",
             value=smtp.security))
    if not 0 < smtp.port < 65536:
        fail("smtp.port", Phrase("must be a port number, not %(value)s", value=smtp.port))
    for key, least, most in (("timeout_seconds", 0.1, 600), ("rate_per_second", 0, 10000),
                             ("retries", 0, 20), ("retry_wait_seconds", 0, 600),
                             ("pause_after_failures", 1, 100000), ("connections", 1, 50),
                             ("give_up_after_attempts", 1, 100), ("give_up_after_days", 1, 60)):
        if not least <= getattr(smtp, key) <= most:
            fail(f"smtp.{key}", _between(least, most, getattr(smtp, key)))
    if not 1 <= settings.store.lock_stale_seconds <= 86400:
        fail("store.lock_stale_seconds", _between(1, 86400, settings.store.lock_stale_seconds))
    if not 0 <= settings.web.trusted_proxies <= 5:
        fail("web.trusted_proxies", _between(0, 5, settings.web.trusted_proxies))
    for name in settings.web.allowed_hosts:
        if not _HOST_NAME.fullmatch(name):
            fail("web.allowed_hosts", Phrase("holds %(name)r, which is not a host name (give "
                                             "names like newsletter.clinic.example, with no "
                                             "scheme or port)", name=name))
    scheduler = settings.scheduler
    for key, least, most in (("misfire_grace_seconds", 1, 7 * 86400),
                             ("feed_alert_after_failures", 1, 1000)):
        if not least <= getattr(scheduler, key) <= most:
            fail(f"scheduler.{key}", _between(least, most, getattr(scheduler, key)))
    if scheduler.staff_alert_address and not _ADDRESS.match(scheduler.staff_alert_address):
        fail("scheduler.staff_alert_address", Phrase("is not an email address: %(value)r",
             value=scheduler.staff_alert_address))
    posting = settings.posting
    for key, value in (("posting.bluesky_pds_url", posting.bluesky_pds_url),
                       ("posting.facebook_graph_url", posting.facebook_graph_url),
                       (SECRET_VARIABLES["mastodon_url"], settings.secrets.mastodon_url)):
        if value and not _api_url(value):
            fail(key, Phrase("must be an https URL (http only on this machine), not %(value)r",
                             value=value))
    for key, least, most in (("timeout_seconds", 0.1, 600), ("retries", 0, 10),
                             ("retry_wait_seconds", 0, 600), ("max_wait_seconds", 0, 3600)):
        if not least <= getattr(posting, key) <= most:
            fail(f"posting.{key}", _between(least, most, getattr(posting, key)))
    if not scheduler.schedules.strip():
        fail("scheduler.schedules", Phrase("must name a folder (the default is \"schedules\")"))
    return settings
