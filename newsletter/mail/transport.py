"""Where messages go: an SMTP server, or an outbox folder of .eml files.

Both take finished bytes. SMTP keeps a connection open and reconnects when it drops (or
says 421), retries 4xx replies and dropped connections with backoff, and treats 5xx as final
for that address. Where the server offers PIPELINING (RFC 2920), a message's envelope goes
in one write. A server that cannot be reached at all, or refuses our login, stops the send:
no point in failing every subscriber one by one. A send may use several connections at once
(`lanes`, and mail/pool.py); they share one rate limit.
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..common.errors import MailError
from ..common.i18n import Phrase
from ..common.settings import Settings, SmtpSettings
from .reports import no_such_address


class DeliveryError(MailError):
    """One address could not be served. `permanent`: a 5xx, do not try again.
    `no_such_address`: the server said the mailbox or domain does not exist (a hard bounce,
    RFC 3463 status 5.1.x), as opposed to a refusal for a reason of its own."""

    def __init__(self, reason: str, *, permanent: bool, no_such_address: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        self.no_such_address = no_such_address


class TransportUnavailable(MailError):
    """Nothing can be sent right now (server down, login refused): the send pauses."""


class Transport(Protocol):
    delivers: bool
    """True when a message handed over is on its way to the reader; False for a rehearsal
    (an outbox nobody sends from), which must not count anything as sent."""

    def send(self, sender: str, recipient: str, message: bytes, *, key: str) -> None:
        """Deliver or raise DeliveryError. `key` names the message uniquely and stably."""

    def lanes(self) -> list[Transport]:
        """The transports a send may use at once, each with one message under way; this
        one first. Closing this one closes them all."""

    def close(self) -> None: ...


class OutboxTransport:
    """Writes each message to folder/<key>.eml, where a key is "<issue>/<address>", so staff
    find one patient's copy by the issue's date and their address. The same key overwrites
    the same file, so a resumed send never leaves two copies; the write is atomic (temp
    file, then rename). `delivers`: see `Transport`."""

    def __init__(self, folder: Path, *, delivers: bool = True):
        self.folder = folder
        self.delivers = delivers

    def send(self, sender: str, recipient: str, message: bytes, *, key: str) -> None:
        *folders, name = (_file_name(part) for part in key.split("/"))
        path = self.folder.joinpath(*folders, name + ".eml")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_bytes(message)
            os.replace(temporary, path)
        except OSError as error:
            raise TransportUnavailable(f"cannot write to the outbox {self.folder}: {error}",
                                       hint="check the store.outbox folder") from None

    def lanes(self) -> list[Transport]:
        """Writing a file takes no round trip: one lane keeps up."""
        return [self]

    def close(self) -> None:
        pass


def _file_name(part: str) -> str:
    """A key's part as a safe file name: an address keeps its @ and +."""
    return re.sub(r"[^\w.@+-]", "_", part).lstrip(".") or "_"


class RateLimit:
    """At most `per_second` messages a second over every connection that shares it (0: no
    limit). Thread-safe: each caller takes the next free slot, then waits for it."""

    def __init__(self, per_second: float, *, sleep: Callable[[float], None],
                 monotonic: Callable[[], float]):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.sleep, self.monotonic = sleep, monotonic
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


class SmtpTransport:
    """One connection. `server`: the [smtp] settings (host, port, security, login, timeout,
    rate, retries, connections); `sleep` and `monotonic` are there so tests can run the
    waits without waiting; `rate`: a limit shared with sibling connections."""

    delivers = True

    def __init__(self, server: SmtpSettings, *, password: str = "",
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 rate: RateLimit | None = None):
        self.server, self.password = server, password
        self.sleep, self.monotonic = sleep, monotonic
        self.rate = rate or RateLimit(server.rate_per_second, sleep=sleep, monotonic=monotonic)
        self._smtp: smtplib.SMTP | None = None
        self._siblings: list[SmtpTransport] = []

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> SmtpTransport:
        return cls(settings.smtp, password=settings.secrets.smtp_password, **overrides)

    @property
    def where(self) -> str:
        return f"{self.server.host}:{self.server.port}"

    def lanes(self) -> list[Transport]:
        """This connection and `smtp.connections - 1` siblings to the same server under the
        same rate limit, opened when they first send."""
        while len(self._siblings) < self.server.connections - 1:
            self._siblings.append(SmtpTransport(self.server, password=self.password,
                                                sleep=self.sleep, monotonic=self.monotonic,
                                                rate=self.rate))
        return [self, *self._siblings]

    def send(self, sender: str, recipient: str, message: bytes, *, key: str) -> None:
        self.rate.wait()
        self._send_with_retries(sender, recipient, _data_phase(message))

    def _send_with_retries(self, sender: str, recipient: str, data: bytes) -> None:
        for attempt in range(self.server.retries + 1):
            try:
                self._transaction(self._connection(), sender, recipient, data)
                return
            except smtplib.SMTPRecipientsRefused as error:
                code, reply = error.recipients.get(recipient, (450, b"refused"))
                failure = _reply_error(code, reply, about_recipient=True)
                if code == CLOSING:
                    self._drop()
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                failure = _reply_error(error.smtp_code, error.smtp_error)
                if error.smtp_code == CLOSING:
                    self._drop()
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPHeloError, OSError) as error:
                self._drop()
                failure = DeliveryError(f"connection lost ({_describe(error)})", permanent=False)
            except smtplib.SMTPResponseException as error:
                self._drop()
                failure = _reply_error(error.smtp_code, error.smtp_error)
            if failure.permanent or attempt == self.server.retries:
                raise failure
            self.sleep(self.server.retry_wait_seconds * 2 ** attempt)

    def _transaction(self, smtp: smtplib.SMTP, sender: str, recipient: str,
                     data: bytes) -> None:
        """smtplib's sendmail for one recipient, with the envelope pipelined where the
        server allows it. Each refusal is raised as smtplib would raise it, so it is
        attributed to the sender, the recipient or the data."""
        smtp.ehlo_or_helo_if_needed()
        replies = _envelope(smtp, sender, recipient)
        (code, reply), *rest = replies
        refusal = None
        if code != 250:
            refusal = smtplib.SMTPSenderRefused(code, reply, sender)
        elif rest[0][0] not in (250, 251):
            refusal = smtplib.SMTPRecipientsRefused({recipient: rest[0]})
        elif rest[1][0] != 354:
            refusal = smtplib.SMTPDataError(*rest[1])
        if refusal is not None:
            _abandon(smtp, [code for code, _ in replies])
            raise refusal
        smtp.send(data)
        code, reply = smtp.getreply()
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPDataError(code, reply)

    def close(self) -> None:
        for sibling in self._siblings:
            sibling.close()
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        """The open connection, or a new one; a server we cannot reach at all is fatal."""
        if self._smtp is not None:
            return self._smtp
        for attempt in range(self.server.retries + 1):
            try:
                self._smtp = self._connect()
                return self._smtp
            except smtplib.SMTPAuthenticationError as error:
                raise TransportUnavailable(
                    f"the SMTP server {self.where} refused the login for {self.server.username!r}: "
                    f"{error.smtp_code} {_text(error.smtp_error)}",
                    hint="check smtp.username and NEWSLETTER_SMTP_PASSWORD") from None
            except (smtplib.SMTPException, OSError) as error:
                last = error
                if attempt < self.server.retries:
                    self.sleep(self.server.retry_wait_seconds * 2 ** attempt)
        raise TransportUnavailable(f"cannot reach the SMTP server {self.where}: {_describe(last)}",
                                   hint="check smtp.host, smtp.port and smtp.security; the send "
                                        "resumes where it stopped when you run it again")

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.username and not (server.username + self.password).isascii():
            what = ("smtp.username" if not server.username.isascii()
                    else "NEWSLETTER_SMTP_PASSWORD")
            raise TransportUnavailable(  # smtplib sends a login as ASCII, or raises mid-send
                f"cannot log in to the SMTP server {self.where}: {what} has a character that "
                "is not ASCII (like é, ß or a curly quote), which Python's SMTP client cannot "
                "send; use plain ASCII letters, digits and symbols",
                hint="an app password from the mail provider is plain ASCII; check that no "
                     "curly quote crept in when it was pasted")
        if server.security == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout_seconds,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds)
            if server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if server.username:
            smtp.login(server.username, self.password)
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
            self._smtp = None



CLOSING = 421
"""The server is closing this connection (RFC 5321 4.2.3): it is dropped and the message
tried again on a new one."""


def _envelope(smtp: smtplib.SMTP, sender: str,
              recipient: str) -> list[tuple[int, bytes]]:
    """MAIL FROM, RCPT TO and DATA, and the server's replies, in order. Where the server
    offers PIPELINING (RFC 2920), the three go in one write and cost one round trip instead
    of three: DATA may end a group, and the replies come back in the order of the commands.
    Otherwise each command waits for its reply, and a refusal ends the envelope there."""
    commands = [f"MAIL FROM:{smtplib.quoteaddr(sender)}",
                f"RCPT TO:{smtplib.quoteaddr(recipient)}", "DATA"]
    if smtp.has_extn("pipelining"):
        smtp.send("".join(command + "\r\n" for command in commands))
        return [smtp.getreply() for _ in commands]
    replies = []
    for command, accepted in zip(commands, ((250,), (250, 251), (354,))):
        smtp.putcmd(command)
        replies.append(smtp.getreply())
        if replies[-1][0] not in accepted:
            break
    return replies


def _abandon(smtp: smtplib.SMTP, codes: list[int]) -> None:
    """Ends a refused envelope. A server that said 354 to a pipelined DATA after refusing
    the recipient gets an empty message, which it must not deliver (RFC 2920 3.1); then
    RSET, as smtplib does. A 421 closed the connection: there is nothing to end."""
    if CLOSING in codes:
        return
    if len(codes) == 3 and codes[2] == 354:
        smtp.send(b".\r\n")
        smtp.getreply()
    smtp.rset()


def _data_phase(message: bytes) -> bytes:
    """The message as the DATA phase carries it: leading dots doubled, ending in CRLF.CRLF.
    A line that starts with a dot is rare, and looking for one is far cheaper than a
    substitution over the whole message each time."""
    quoted = message
    if message.startswith(b".") or b"\n." in message:
        quoted = re.sub(rb"(?m)^\.", b"..", message)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


def transport_for(settings: Settings) -> Transport:
    """SMTP when a host is configured, else the outbox."""
    if settings.smtp.host:
        return SmtpTransport.from_settings(settings)
    return OutboxTransport(settings.path(settings.store.outbox),
                           delivers=settings.store.outbox_delivers)


def describe(transport: Transport) -> str:
    if isinstance(transport, SmtpTransport):
        return Phrase("SMTP server %(where)s", where=transport.where)
    return Phrase("outbox %(folder)s", folder=transport.folder)


def _reply_error(code: int, reply, *, about_recipient: bool = False) -> DeliveryError:
    text = _text(reply)
    return DeliveryError(f"{code} {text}", permanent=500 <= code < 600,
                         no_such_address=about_recipient and code >= 500
                         and no_such_address(text))


def _text(reply) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(str(reply).split())[:200]


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.timeout):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return _text(str(error)) or type(error).__name__
