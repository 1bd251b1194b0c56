"""A real SMTP server (aiosmtpd) on a loopback port, with faults on demand.

It keeps every accepted message as bytes, so tests parse back exactly what a mail server got.
Faults: an RCPT reply per address (4xx a number of times or for ever, or 5xx), dropping the
connection in the middle of chosen DATA exchanges, and holding back the reply to one.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


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
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_exchanges += 1
            exchange = self.data_exchanges
            if exchange in self.faults.drop_on_data:
                server.transport.close()  # the connection dies before the reply
                return "421 closing"
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
        if exchange == self.faults.hold_data:  # other connections are served meanwhile
            self.hold.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.release.wait)
        return "250 Message accepted for delivery"


class SmtpServer:
    """`tls`: None (plain), "starttls" (required before anything else) or "ssl" (implicit
    TLS), with a certificate from `ca` (a trustme.CA); `users`: logins it accepts, and then
    it requires one."""

    def __init__(self, *, tls: str | None = None, ca=None, users: dict[str, str] | None = None):
        self.faults = Faults()
        self.handler = Handler(self.faults)
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
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
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
