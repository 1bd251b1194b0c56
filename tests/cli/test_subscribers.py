"""`newsletter subscribers ...` as staff run it: a real process, a real database file."""

import pytest

from ..helpers import run_cli as run

PATIENTS = ("email,name,tags,phone\n"
            "ana@example.com,Ana Lopez,back-pain\n"
            "bob@,Bob,\n"
            'carl@example.com,"Smith,\nCarl",vip\n'
            "ANA@Example.com,Ana again,\n"
            "dee@example.com,Dee,vip!\n")


def test_import_reports_counts_then_each_bad_row_by_line_and_exits_0(tmp_path):
    (tmp_path / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    result = run("subscribers", "import", "patients.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "patients.csv: 3 added, 0 updated, 0 unchanged, 0 suppressed, 1 duplicate(s), "
        "1 error(s)",
        "  line 3: 'bob@' — There must be something after the @-sign",
        "  line 6: 'ana@example.com' — duplicate of line 2",
        "  warning: ignored column(s): phone",
        "  warning: line 7: tag 'vip!' left out: may only have letters a-z, digits, '-', '_' "
        "and spaces, and may not start with '-'",
    ]
    again = run("subscribers", "import", "patients.csv", cwd=tmp_path)
    assert again.stdout.startswith("patients.csv: 0 added, 0 updated, 3 unchanged, ")


@pytest.mark.parametrize("content, message", [
    (None, "error: patients.csv: no such file"),
    ("email,name\nJosé@example.com,José\n".encode("cp1252"),
     "error: patients.csv: not UTF-8: byte 0xe9 at byte offset 14 (line 2)"),
    (b"name,address\nAna,ana@example.com\n",
     "error: patients.csv: no 'email' column in the first line 'name,address'"),
])
def test_a_file_that_cannot_be_imported_is_one_line_and_exit_1(tmp_path, content, message):
    if content is not None:
        (tmp_path / "patients.csv").write_bytes(content)
    result = run("subscribers", "import", "patients.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == message
    assert result.stdout == ""


def test_add_list_remove_export_and_suppression(tmp_path):
    added = run("subscribers", "add", "Ana@Example.com", "--name", "Ana Lopez",
                "--tag", "back-pain", "--tag", "VIP", cwd=tmp_path)
    assert (added.returncode, added.stdout) == (0, "Added ana@example.com (active)\n")
    run("subscribers", "add", "bob@example.com", cwd=tmp_path)
    listed = run("subscribers", "list", "--tag", "vip", cwd=tmp_path)
    assert listed.stdout.splitlines()[0].split() == ["email", "name", "status", "tags", "added"]
    assert listed.stdout.splitlines()[1].split()[:4] == ["ana@example.com", "Ana", "Lopez",
                                                         "active"]
    assert listed.stdout.splitlines()[-1] == "1 subscriber(s)"

    removed = run("subscribers", "remove", "ANA@example.com", cwd=tmp_path)
    assert removed.stdout == "Unsubscribed ana@example.com\n"
    again = run("subscribers", "add", "ana@example.com", cwd=tmp_path)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert again.stderr.startswith("error: ana@example.com unsubscribed on ")
    assert "2 subscriber(s)" in run("subscribers", "list", cwd=tmp_path).stdout
    assert run("subscribers", "list", "--status", "active", cwd=tmp_path).stdout.endswith(
        "1 subscriber(s)\n")

    exported = run("subscribers", "export", cwd=tmp_path)
    assert exported.stdout.splitlines()[0] == "email,name,tags,status,created_at,unsubscribed_at"
    assert exported.stdout.splitlines()[1].startswith(
        "ana@example.com,Ana Lopez,back-pain;vip,unsubscribed,")
    written = run("subscribers", "export", "--out", "all.csv", cwd=tmp_path)
    assert written.stdout == "Wrote 2 subscriber(s) to all.csv\n"
    assert (tmp_path / "all.csv").read_text(encoding="utf-8") == exported.stdout
    back = run("subscribers", "import", "all.csv", cwd=tmp_path)
    assert back.stdout.splitlines()[:3] == [
        "all.csv: 0 added, 0 updated, 1 unchanged, 1 suppressed, 0 duplicate(s), 0 error(s)",
        f"  line 2: 'ana@example.com' — suppressed (unsubscribed on "
        f"{again.stderr.split(' on ')[1][:10]})",
        "  warning: ignored column(s): status, created_at, unsubscribed_at",
    ]


def test_a_bad_address_to_add_is_one_line_and_exit_1(tmp_path):
    result = run("subscribers", "add", "bob@", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "error: 'bob@': There must be something after the @-sign\n"


@pytest.mark.parametrize("command", ["import", "add", "remove", "list", "export"])
def test_every_subscribers_command_has_help_with_an_example(tmp_path, command):
    result = run("subscribers", command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Example:" in result.stdout and f"newsletter subscribers {command}" in result.stdout
