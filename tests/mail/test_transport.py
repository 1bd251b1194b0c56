"""The SMTP transport on its own, against a real aiosmtpd server."""

import time

import pytest

from newsletter.common.settings import SmtpSettings
from newsletter.mail.transport import DeliveryError, SmtpTransport, TransportUnavailable

from ..smtpserver import free_port

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


@pytest.mark.parametrize("fault", ["none", "permanent", "temporary", "dropped"])
def test_meanwhile_runs_exactly_once_whatever_happens(smtp, fault):
    if fault == "permanent":
        smtp.faults.permanent.add("b@mail.example")
    elif fault == "temporary":
        smtp.faults.temporary["b@mail.example"] = 9
    elif fault == "dropped":
        smtp.faults.drop_on_data.update({1, 2, 3})
    calls = []
    sender = transport(smtp.port, retries=2)
    try:
        sender.send("a@clinic.example", "b@mail.example", MESSAGE, key="k",
                    meanwhile=lambda: calls.append(1))
    except DeliveryError as error:
        assert fault != "none" and error.permanent == (fault == "permanent")
    finally:
        sender.close()
    assert calls == [1]


def test_meanwhile_runs_even_when_the_server_is_unreachable():
    calls = []
    with pytest.raises(TransportUnavailable, match="connection refused"):
        transport(free_port(), retries=0).send("a@clinic.example", "b@mail.example", MESSAGE,
                                               key="k", meanwhile=lambda: calls.append(1))
    assert calls == [1]


def test_the_rate_limit_spaces_messages_out(smtp):
    clock = [0.0]
    waits = []
    sender = transport(smtp.port, rate_per_second=4, monotonic=lambda: clock[0],
                       sleep=lambda seconds: (waits.append(seconds), clock.__setitem__(0, clock[0] + seconds)))
    for _ in range(3):
        sender.send("a@clinic.example", "b@mail.example", MESSAGE, key="k")
    sender.close()
    assert waits == [0.25, 0.25]
