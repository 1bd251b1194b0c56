"""A real SMTP server (aiosmtpd) on a loopback port, with faults on demand.

It keeps every accepted message as bytes, so tests parse back exactly what a mail server got.
Faults: an RCPT reply per address (4xx a number of times or for ever, 5xx, or 421 and
hanging up), dropping the connection in the middle of chosen DATA exchanges (by number, or
by address a number of times), and holding back the reply to one.
With `pipelining`, it offers PIPELINING (RFC 2920; aiosmtpd reads pipelined commands in
order but does not say so) and keeps each read that carried a MAIL command, so a test sees
what came in one write.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class Faults:
    temporary: dict[str, int] = field(default_factory=dict)  # address -> 4xx replies left
    permanent: set[str] = field(default_factory=set)          # "550 5.1.1 no such mailbox"
    policy: set[str] = field(default_factory=set)             # "550 5.7.1 refused by policy"
    full: set[str] = field(default_factory=set)               # "452 4.2.2 mailbox full", always
    drop_on_data: set[int] = field(default_factory=set)       # DATA exchange numbers to cut
    dropped: dict[str, int] = field(default_factory=dict)     # address -> DATA cuts left
    closing: dict[str, int] = field(default_factory=dict)     # address -> 421s left at RCPT
    max_connections: int = 0  # more at once are hung up on before the greeting; 0: no cap
    hold_data: int = 0  # this DATA exchange is answered only once `release` is set


class Hold:
    """A server that takes its time: `reached` is set when the held exchange arrives, and
    it is answered once the test sets `release`."""

    def __init__(self):
        self.reached, self.release = threading.Event(), threading.Event()


class Handler:
    def __init__(self, faults: Faults):
        self.faults = faults
        self.messages: list[Received] = []
        self.data_exchanges = 0
        self.connections = 0
        self.open_connections = 0
        self.most_open = 0
        self.envelope_reads: list[bytes] = []
        self.lock = threading.Lock()
        self.hold = Hold()

    async def handle_RCPT(self, server, session, envelope, address, options):
        with self.lock:
            if address in self.faults.permanent:
                return "550 5.1.1 no such mailbox here"
            if address in self.faults.policy:
                return "550 5.7.1 message refused by local policy"
            if address in self.faults.full:
                return "452 4.2.2 mailbox full"
            if self.faults.temporary.get(address, 0) > 0:
                self.faults.temporary[address] -= 1
                return "451 4.3.0 mailbox busy, try again later"
            if self.faults.closing.get(address, 0) > 0:
                self.faults.closing[address] -= 1
                # the reply goes out, then the server hangs up, as a relay shedding load does
                asyncio.get_running_loop().call_soon(server.transport.close)
                return "421 4.7.0 too busy, closing connection"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_exchanges += 1
            exchange = self.data_exchanges
            cut = [r for r in envelope.rcpt_tos if self.faults.dropped.get(r, 0) > 0]
            for address in cut:
                self.faults.dropped[address] -= 1
            if cut or exchange in self.faults.drop_on_data:
                server.transport.close()  # the connection dies before the reply
                return "421 closing"
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
        if exchange == self.faults.hold_data:  # other connections are served meanwhile
            self.hold.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.release.wait)
        return "250 Message accepted for delivery"


class PipeliningHandler(Handler):
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


class RecordingSMTP(SMTP):
    """aiosmtpd's server, counting connections (and refusing those over a cap, as a
    provider does) and keeping the reads that carry a MAIL."""

    def connection_made(self, transport):
        handler = self.event_handler
        with handler.lock:
            cap = handler.faults.max_connections
            refused = bool(cap) and handler.open_connections >= cap
            if not refused:
                handler.connections += 1
                handler.open_connections += 1
                handler.most_open = max(handler.most_open, handler.open_connections)
        self._counted = not refused
        super().connection_made(transport)
        if refused:
            transport.close()

    def connection_lost(self, error):
        if getattr(self, "_counted", False):
            with self.event_handler.lock:
                self.event_handler.open_connections -= 1
        super().connection_lost(error)

    def data_received(self, data: bytes) -> None:
        if b"MAIL FROM:" in data:
            with self.event_handler.lock:
                self.event_handler.envelope_reads.append(data)
        super().data_received(data)


class RecordingController(Controller):
    def factory(self):
        return RecordingSMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """`tls`: None (plain), "starttls" (required before anything else) or "ssl" (implicit
    TLS), with a certificate from `ca` (a trustme.CA); `users`: logins it accepts, and then
    it requires one; `pipelining`: offer PIPELINING."""

    def __init__(self, *, tls: str | None = None, ca=None, users: dict[str, str] | None = None,
                 pipelining: bool = False):
        self.faults = Faults()
        self.handler = (PipeliningHandler if pipelining else Handler)(self.faults)
        self.port = free_port()
        self.logins: list[str] = []
        options = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1").configure_cert(context)
            # aiosmtpd counts only STARTTLS as TLS for AUTH; implicit TLS is TLS all along
            options = ({"ssl_context": context, "auth_require_tls": False} if tls == "ssl"
                       else {"tls_context": context, "require_starttls": True})
        if users is not None:
            options.update(auth_required=True, authenticator=self._authenticator(users))
        self.controller = RecordingController(self.handler, hostname="127.0.0.1", port=self.port,
                                     decode_data=False, data_size_limit=None, **options)

    def _authenticator(self, users: dict[str, str]):
        def check(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode()
            ok = users.get(login) == auth_data.password.decode()
            if ok:
                self.logins.append(login)
            return AuthResult(success=ok, handled=False)
        return check

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        with self.handler.lock:
            self.handler.connections = 0  # start() connects once to see the server is up
            self.handler.most_open = self.handler.open_connections
        return self

    def __exit__(self, *_exc) -> None:
        self.handler.hold.release.set()
        self.controller.stop()

    @property
    def hold(self) -> Hold:
        return self.handler.hold

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def count_by_recipient(self) -> Counter:
        return Counter(r for m in self.messages for r in m.recipients)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
