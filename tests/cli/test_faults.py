"""Faults of the database file, the disk, the port, the password and the terminal, met by
the real `newsletter` command in a subprocess: each is one line naming what and where, a
hint that fits the cause, exit code 1 and no traceback; and a database file is never
replaced."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme

from ..helpers import NEWSLETTER, clean_env, run_cli
from ..sending_setup import ENV, add_subscribers, make_clinic, numbered, open_clinic
from ..smtpserver import SmtpServer


def fails_in_one_line(result: subprocess.CompletedProcess, *, says: str, hint: str) -> str:
    """The error line, after checking the shape of the failure; `says` and `hint` must be
    in the error and the hint lines."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), lines
    assert says in lines[0], lines[0]
    assert hint in lines[1], lines[1]
    return lines[0]


@contextmanager
def unwritable(path: Path):
    """`path` (a file or a folder) as nobody may write it: by its mode for a user, by the
    immutable flag for root, whom modes do not stop."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("running as root on a file system without chattr +i")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def a_clinic(tmp_path: Path, readers: int = 3, **options) -> Path:
    config = make_clinic(tmp_path, **options)
    _, store = open_clinic(config)
    add_subscribers(store, numbered(readers))
    store.engine.dispose()
    return config


def cli(config: Path, *args: str, env: dict | None = None):
    return run_cli(*args, "--config", str(config), env=env or ENV)


# --- the database file ----------------------------------------------------------------------

@pytest.mark.parametrize("command", [["build"], ["send"]])
def test_a_read_only_database_is_one_line_about_permissions(tmp_path, command):
    config = a_clinic(tmp_path)
    database = tmp_path / "state.db"
    with unwritable(database):
        result = cli(config, *command)
    line = fails_in_one_line(result, says=f"the database {database} is read-only",
                             hint="read and write")
    assert "run it again" not in result.stderr and "does not exist" not in result.stderr
    assert line


def overwrite_page(database: Path, page: int) -> None:
    """Garbage over one whole page in the middle of the file, as a failing disk leaves it."""
    with open(database, "r+b") as file:
        page_size = int.from_bytes(file.read(18)[16:18], "big")
        file.seek((page - 1) * page_size)
        file.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def root_page(database: Path, name: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (name,)).fetchone()[0]


def test_garbage_in_a_table_a_build_reads_is_one_line_saying_it_is_damaged(tmp_path):
    config = a_clinic(tmp_path)
    database = tmp_path / "state.db"
    overwrite_page(database, root_page(database, "issues"))
    result = cli(config, "build")
    fails_in_one_line(result, says=f"the database {database} is damaged",
                      hint="restore it from a backup")
    assert "folder" not in result.stderr


def test_a_send_from_a_damaged_file_stops_before_its_first_message(tmp_path):
    """The damage is in the index of addresses, which a send never reads: without a check
    of the whole file it went out to everyone, unnoticed."""
    config = a_clinic(tmp_path, readers=300)
    database = tmp_path / "state.db"
    overwrite_page(database, root_page(database, "sqlite_autoindex_subscribers_1"))
    result = cli(config, "send")
    fails_in_one_line(result, says=f"the database {database} is damaged",
                      hint="restore it from a backup")
    assert not list((tmp_path / "outbox").rglob("*.eml"))


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00" + b"\x00" * 50])
def test_an_empty_or_cut_short_database_is_never_replaced(tmp_path, content):
    config = make_clinic(tmp_path)
    database = tmp_path / "state.db"
    database.write_bytes(content)
    (tmp_path / "patients.csv").write_text("email\nleft.us@mail.example\n", encoding="utf-8")
    for command in (["subscribers", "import", str(tmp_path / "patients.csv")], ["send"]):
        result = cli(config, *command)
        fails_in_one_line(result, says=f"{database} is not a usable database",
                          hint="restore it from a backup")
        assert database.read_bytes() == content


def test_a_database_in_a_missing_folder_says_so(tmp_path):
    config = make_clinic(tmp_path, extra="")
    config.write_text(config.read_text().replace("sqlite:///state.db",
                                                 "sqlite:///gone/state.db"))
    result = cli(config, "build")
    fails_in_one_line(result, says=f"the folder {tmp_path / 'gone'} does not exist",
                      hint="create the folder")


# --- the disk, the port, the password, the terminal -----------------------------------------

def test_build_out_under_a_file_or_in_an_unwritable_folder(tmp_path):
    config = a_clinic(tmp_path)
    (tmp_path / "taken").write_text("a file, not a folder\n")
    under_a_file = cli(config, "build", "--out", str(tmp_path / "taken" / "review"))
    fails_in_one_line(under_a_file, says=f"cannot write the issue's files to "
                                         f"{tmp_path / 'taken' / 'review'}",
                      hint=f"{tmp_path / 'taken'} is a file, not a folder")
    locked = tmp_path / "locked"
    locked.mkdir()
    with unwritable(locked):
        refused = cli(config, "build", "--out", str(locked / "review"))
    fails_in_one_line(refused, says=f"cannot write the issue's files to {locked / 'review'}",
                      hint=f"you may not write in {locked}")


def test_serve_on_a_port_in_use(tmp_path):
    config = make_clinic(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli(config, "serve", "--port", str(port))
    fails_in_one_line(result, says=f"cannot listen on 127.0.0.1:{port}: Address already in use",
                      hint=f"already uses port {port}")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_an_smtp_password_that_is_not_ascii(tmp_path):
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with SmtpServer(tls="ssl", ca=ca, users={"clinic": "contraseña"}) as server:
        config = a_clinic(tmp_path, port=server.port)
        config.write_text(config.read_text().replace('security = "none"', 'security = "ssl"')
                          .replace("[smtp]", '[smtp]\nusername = "clinic"'))
        result = cli(config, "send", env={**ENV, "NEWSLETTER_SMTP_PASSWORD": "contraseña",
                                          "SSL_CERT_FILE": str(bundle)})
        assert not server.messages
    line = fails_in_one_line(result, says="NEWSLETTER_SMTP_PASSWORD has a character that is "
                                          "not ASCII", hint="fix the cause")
    assert "use plain ASCII letters" in line
    assert f"127.0.0.1:{server.port}" in result.stderr and "contraseña" not in result.stderr


def test_a_name_that_is_not_utf8_on_the_command_line(tmp_path):
    config = a_clinic(tmp_path)
    result = subprocess.run([NEWSLETTER, "subscribers", "add", "--config", str(config),
                             "new@mail.example", "--name", b"Jos\xe9"], env=clean_env(ENV),
                            capture_output=True, text=True, timeout=120)
    fails_in_one_line(result, says="--name is not UTF-8 text: byte 0xe9 at position 4",
                      hint="UTF-8")
    assert "new@mail.example" not in cli(config, "subscribers", "list").stdout
