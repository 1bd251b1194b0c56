"""The SMTP transport on its own, against a real aiosmtpd server."""

import time

import pytest

from newsletter.common.settings import SmtpSettings
from newsletter.mail.transport import DeliveryError, SmtpTransport, TransportUnavailable

from ..smtpserver import SmtpServer, free_port

MESSAGE = b"From: a@clinic.example\r\nSubject: dots\r\n\r\nfirst\r\n.a line that starts with a dot\r\n.\r\nlast\r\n"


def transport(port, *, sleep=time.sleep, monotonic=time.monotonic, **server):
    return SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none",
                                      retry_wait_seconds=0.01, **server),
                         sleep=sleep, monotonic=monotonic)


def test_lines_that_start_with_a_dot_arrive_intact(smtp):
    sender = transport(smtp.port)
    sender.send("a@clinic.example", "b@mail.example", MESSAGE, key="k")
    sender.close()
    assert smtp.messages[0].data.replace(b"\r\n", b"\n") == MESSAGE.replace(b"\r\n", b"\n")


def test_an_unreachable_server_is_one_clear_error():
    with pytest.raises(TransportUnavailable, match="connection refused"):
        transport(free_port(), retries=0).send("a@clinic.example", "b@mail.example", MESSAGE,
                                               key="k")


def test_the_rate_limit_spaces_messages_out(smtp):
    clock = [0.0]
    waits = []
    sender = transport(smtp.port, rate_per_second=4, monotonic=lambda: clock[0],
                       sleep=lambda seconds: (waits.append(seconds), clock.__setitem__(0, clock[0] + seconds)))
    for _ in range(3):
        sender.send("a@clinic.example", "b@mail.example", MESSAGE, key="k")
    sender.close()
    assert waits == [0.25, 0.25]


def test_the_rate_limit_holds_over_all_connections_together(smtp):
    clock = [0.0]
    waits = []
    sender = transport(smtp.port, rate_per_second=4, connections=3, monotonic=lambda: clock[0],
                       sleep=lambda seconds: (waits.append(seconds), clock.__setitem__(0, clock[0] + seconds)))
    lanes = sender.lanes()
    assert len(lanes) == 3 and lanes[0] is sender
    for lane in lanes:
        lane.send("a@clinic.example", "b@mail.example", MESSAGE, key="k")
    sender.close()
    assert waits == [0.25, 0.25]
    assert smtp.handler.connections == 3


@pytest.fixture
def pipelining():
    with SmtpServer(pipelining=True) as server:
        yield server


def test_where_the_server_offers_pipelining_the_envelope_goes_in_one_write(pipelining, smtp):
    for server in (pipelining, smtp):
        sender = transport(server.port)
        for n in range(3):
            sender.send("a@clinic.example", f"r{n}@mail.example", MESSAGE, key="k")
        sender.close()
        assert len(server.messages) == 3
    envelope = (b"MAIL FROM:<a@clinic.example>\r\nRCPT TO:<r0@mail.example>\r\nDATA\r\n")
    assert pipelining.handler.envelope_reads[0] == envelope
    assert len(pipelining.handler.envelope_reads) == 3
    assert all(b"RCPT TO:" not in read for read in smtp.handler.envelope_reads)


@pytest.mark.parametrize("offered", [True, False], ids=["pipelining", "one by one"])
def test_each_refusal_is_the_recipients_own_and_the_connection_goes_on(offered):
    with SmtpServer(pipelining=offered) as server:
        server.faults.permanent.add("gone@mail.example")
        server.faults.policy.add("refused@mail.example")
        server.faults.temporary["busy@mail.example"] = 9
        sender = transport(server.port, retries=1)
        outcomes = {}
        for name in ("first", "gone", "busy", "refused", "last"):
            try:
                sender.send("a@clinic.example", f"{name}@mail.example", MESSAGE, key="k")
                outcomes[name] = "sent"
            except DeliveryError as error:
                outcomes[name] = (str(error), error.permanent, error.no_such_address)
        sender.close()
        assert outcomes == {
            "first": "sent", "last": "sent",
            "gone": ("550 5.1.1 no such mailbox here", True, True),
            "busy": ("451 4.3.0 mailbox busy, try again later", False, False),
            "refused": ("550 5.7.1 message refused by local policy", True, False)}
        assert [m.recipients for m in server.messages] == [["first@mail.example"],
                                                           ["last@mail.example"]]
        assert server.handler.connections == 1


@pytest.mark.parametrize("offered", [True, False], ids=["pipelining", "one by one"])
def test_a_421_closes_that_connection_and_the_message_goes_on_a_new_one(offered):
    with SmtpServer(pipelining=offered) as server:
        server.faults.closing["r1@mail.example"] = 1
        sender = transport(server.port)
        for n in range(3):
            sender.send("a@clinic.example", f"r{n}@mail.example", MESSAGE, key="k")
        sender.close()
        assert server.count_by_recipient() == {f"r{n}@mail.example": 1 for n in range(3)}
        assert server.handler.connections == 2
