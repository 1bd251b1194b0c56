"""The SMTP transport's security modes and login against a real aiosmtpd server: STARTTLS,
implicit TLS and plain, with the certificate checked and the password from the environment."""

import pytest
import trustme

from newsletter.common.settings import load_settings
from newsletter.delivery.sending import SendPaused
from newsletter.storage.store import Store

from ..sending_setup import SECRET, add_subscribers, make_clinic, numbered, send
from ..smtpserver import SmtpServer

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def trusting(ca, tmp_path, monkeypatch):
    """The machine trusts the test CA, as it would a real server's CA."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


def clinic(tmp_path, port, security, password=PASSWORD, connections=1):
    config = make_clinic(tmp_path, port=port, extra=f"connections = {connections}")
    text = config.read_text().replace('security = "none"', f'security = "{security}"')
    config.write_text(text.replace("[smtp]", '[smtp]\nusername = "clinic"'))
    settings = load_settings(config, env={"NEWSLETTER_SECRET_KEY": SECRET,
                                          "NEWSLETTER_SMTP_PASSWORD": password})
    return settings, Store.open(settings.database_url)


# aiosmtpd warns about AUTH without STARTTLS even when the whole connection is implicit TLS
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_encrypted_and_logged_in(tmp_path, ca, trusting, security):
    with SmtpServer(tls=security, ca=ca, users={"clinic": PASSWORD}) as server:
        settings, store = clinic(tmp_path, server.port, security, connections=2)
        add_subscribers(store, numbered(6))
        report = send(settings, store)
    assert (report.outcome, report.sent) == ("complete", 6)
    assert server.logins == ["clinic", "clinic"]  # one login a connection: each was reused
    assert len(server.messages) == 6


def test_a_wrong_password_stops_the_send_with_a_clear_message(tmp_path, ca, trusting):
    with SmtpServer(tls="starttls", ca=ca, users={"clinic": PASSWORD}) as server:
        settings, store = clinic(tmp_path, server.port, "starttls", password="wrong")
        add_subscribers(store, numbered(2))
        with pytest.raises(SendPaused, match="refused the login for 'clinic': 535"):
            send(settings, store)
    assert server.messages == []


def test_an_untrusted_certificate_is_refused(tmp_path, ca):
    with SmtpServer(tls="starttls", ca=ca, users={"clinic": PASSWORD}) as server:
        settings, store = clinic(tmp_path, server.port, "starttls")
        add_subscribers(store, numbered(1))
        with pytest.raises(SendPaused, match="CERTIFICATE_VERIFY_FAILED|certificate verify"):
            send(settings, store)
    assert server.messages == []


def test_a_server_that_requires_starttls_refuses_a_plain_send(tmp_path, ca):
    with SmtpServer(tls="starttls", ca=ca) as server:
        settings, store = clinic(tmp_path, server.port, "none")
        add_subscribers(store, numbered(1))
        with pytest.raises(SendPaused):
            send(settings, store)
    assert server.messages == []
