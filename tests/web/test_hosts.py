"""DNS rebinding: a page on a stranger's domain that resolves to 127.0.0.1 sends its own name
in the Host header; the real `newsletter serve` answers it 400 before reading anything."""

from __future__ import annotations

import re

import pytest

from newsletter.audience.subscribers import Subscribers
from newsletter.common.errors import ConfigError
from newsletter.common.settings import load_settings

from ..sending_setup import ENV, add_subscribers, make_clinic, open_clinic
from ..smtpserver import free_port
from .served import request, serving

pytestmark = pytest.mark.usefixtures("each_database")


@pytest.fixture
def clinic(tmp_path):
    config = make_clinic(tmp_path, extra='[clinic]\npublic_base_url = "https://news.clinic.example/n"\n'
                                         '[web]\nallowed_hosts = ["Front-Desk.lan"]\n')
    _, store = open_clinic(config)
    add_subscribers(store, [("ana@mail.example", "Ana")])
    return config, store


def test_a_foreign_host_gets_400_and_sees_no_subscriber_and_no_token(clinic):
    config, store = clinic
    port = free_port()
    with serving(config, port):
        status, page, _ = request(port, f"rebind.attacker.example:{port}",
                                  "/staff/subscribers?q=ana")
        assert status == 400
        assert "ana@mail.example" not in page and "csrf_token" not in page
        assert "rebind.attacker.example" in page and "allowed_hosts" in page

        # The attacker's page posts the import form with a token it read earlier, if any.
        boundary = "xyz"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\nemail\r\n"
                f"eve@mail.example\r\n--{boundary}--\r\n").encode()
        status, _, _ = request(port, "rebind.attacker.example", "/staff/subscribers/import",
                               "POST", body,
                               {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 400
        for host in ("", "127.0.0.2", "localhost.attacker.example", "127.0.0.1.nip.io",
                     "news.clinic.example.attacker.example", "[::2]"):
            assert request(port, host, "/staff/")[0] == 400, host

        # Every name the clinic uses still works, with any port.
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}",
                     "news.clinic.example", "front-desk.lan:8000"):
            status, page, _ = request(port, host, "/staff/subscribers?q=ana")
            assert status == 200, host
            assert "ana@mail.example" in page and re.search(r'name="csrf_token"', page)
    assert [s.email for s in Subscribers(store.engine).list()] == ["ana@mail.example"]


def test_allowed_hosts_must_be_host_names(tmp_path):
    config = make_clinic(tmp_path, extra='[web]\nallowed_hosts = ["https://clinic.example"]\n')
    with pytest.raises(ConfigError, match=r"newsletter.toml: web.allowed_hosts holds "
                                          r"'https://clinic.example', which is not a host name"):
        load_settings(config, env=ENV)
    wrong_type = make_clinic(tmp_path, extra='[web]\nallowed_hosts = "clinic.example"\n')
    with pytest.raises(ConfigError, match="web.allowed_hosts must be a list of strings"):
        load_settings(wrong_type, env=ENV)
