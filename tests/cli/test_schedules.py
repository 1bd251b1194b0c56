"""`newsletter schedules check|list` and `newsletter scheduler`'s refusals, as users run them."""

import re
from datetime import datetime, timezone

from newsletter.storage.run_log import RunLog
from newsletter.storage.store import Store

from ..helpers import run_cli as run

WEEKLY = 'action = "send"\ncron = { day_of_week = "mon", hour = 9, minute = 0 }\n'


def test_check_says_ok_per_file_and_one_line_per_mistake(tmp_path):
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.toml").write_text(WEEKLY)
    (tmp_path / "schedules" / "typo.toml").write_text(WEEKLY + "requires_aproval = true\n")
    (tmp_path / "schedules" / "list.toml").write_text(
        WEEKLY + 'when_nothing_new = "evergreen"\nevergreen_file = "missing.toml"\n')
    result = run("schedules", "check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ("ok: weekly.toml: send to everyone; day_of_week=mon hour=9 "
                             "minute=0 (America/Chicago)\n")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {tmp_path}/schedules/list.toml: evergreen_file {tmp_path}/missing.toml: "
        "no such evergreen list",
        f"error: {tmp_path}/schedules/typo.toml: requires_aproval is not a known key"]
    assert "Traceback" not in result.stderr


def test_list_shows_local_and_utc_times_and_the_last_run(tmp_path):
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.toml").write_text(WEEKLY)
    store = Store.open(f"sqlite:///{tmp_path / 'newsletter.db'}")
    RunLog(store.engine).record("weekly", "missed",
                                now=datetime(2026, 11, 23, 20, tzinfo=timezone.utc),
                                note="missed its Monday 09:00 slot by 5 h")
    result = run("schedules", "list", "--count", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("weekly: weekly: send to everyone; day_of_week=mon hour=9 minute=0 "
                        "(America/Chicago)")
    assert lines[1] == "  approval not needed; nothing new: skip; up to 6 article(s)"
    for line in lines[2:4]:
        local, utc = re.fullmatch(
            r"  next: Mon (\S+ 09:00) C[SD]T  \((\S+ \d\d:00) UTC\)", line).groups()
        assert utc[-5:] in ("14:00", "15:00") and local[:10] == utc[:10]
    assert lines[4] == ("  last run: Mon 2026-11-23 14:00 CST: missed (missed its Monday 09:00 "
                        "slot by 5 h)")


def test_the_scheduler_will_not_start_on_nothing_or_on_a_bad_file(tmp_path):
    missing = run("scheduler", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"error: {tmp_path}/schedules: no such schedules folder")
    (tmp_path / "schedules").mkdir()
    empty = run("scheduler", cwd=tmp_path)
    assert empty.returncode == 1 and "no schedules in" in empty.stderr
    (tmp_path / "schedules" / "weekly.toml").write_text(WEEKLY.replace("mon", "monday!"))
    bad = run("scheduler", cwd=tmp_path)
    assert bad.returncode == 1 and "weekly.toml: cron.day_of_week" in bad.stderr
    assert "Traceback" not in missing.stderr + empty.stderr + bad.stderr


def test_check_reports_every_mistake_in_one_file(tmp_path):
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "messy.toml").write_text(
        'action = "send"\ncron = { day_of_week = "1", hour = 9, minute = 0 }\n'
        'requires_aproval = true\ntimezone = "Mars/Olympus"\nwhen_nothing_new = "wait"\n'
        'articles_per_issue = 99\n')
    result = run("schedules", "check", cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    where = f"error: {tmp_path}/schedules/messy.toml: "
    assert [line.removeprefix(where).split(" ")[0] for line in errors] == [
        "requires_aproval", "timezone", "cron.day_of_week", "when_nothing_new",
        "articles_per_issue"], errors
    assert all(line.startswith(where) for line in errors)
