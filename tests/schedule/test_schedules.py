"""Schedule files: strict parsing that names the file and the key, and run times that stay
at 09:00 in St. Charles across both daylight-saving changes."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsletter.schedule.schedules import (ScheduleError, check_schedules, load_schedules,
                                            next_runs, parse_schedule)

from ..helpers import ROOT

CHICAGO = "America/Chicago"
WEEKLY = 'action = "send"\ncron = { day_of_week = "mon", hour = 9, minute = 0 }\n'


def parse(text: str, name: str = "weekly.toml", base_dir: Path = Path("/srv/clinic")):
    return parse_schedule(text, Path("schedules") / name, default_timezone=CHICAGO,
                          base_dir=base_dir)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("after, expected_utc", [
    # fall back on Sunday 2026-11-01: 09:00 CDT is 14:00 UTC, 09:00 CST is 15:00 UTC
    (utc(2026, 10, 20), [utc(2026, 10, 26, 14), utc(2026, 11, 2, 15), utc(2026, 11, 9, 15)]),
    # spring forward on Sunday 2027-03-14: back to 14:00 UTC the next morning
    (utc(2027, 3, 1, 16), [utc(2027, 3, 8, 15), utc(2027, 3, 15, 14), utc(2027, 3, 22, 14)]),
])
def test_monday_nine_oclock_stays_nine_oclock_in_st_charles_across_dst(after, expected_utc):
    runs = next_runs(parse(WEEKLY), after, 3)
    assert [run.astimezone(timezone.utc) for run in runs] == expected_utc
    for run in runs:
        assert run.tzinfo.key == CHICAGO
        assert (run.weekday(), run.hour, run.minute) == (0, 9, 0)
    offsets = {run.utcoffset() for run in runs}
    assert offsets == {timedelta(hours=-5), timedelta(hours=-6)}, "the UTC offset changes"


def test_the_schedules_zone_not_the_servers_decides(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    runs = next_runs(parse(WEEKLY + 'timezone = "Europe/Berlin"\n'), utc(2026, 11, 25), 1)
    assert runs == [datetime(2026, 11, 30, 8, tzinfo=timezone.utc)]


def test_the_committed_weekly_schedule_is_monday_nine_for_everyone():
    (weekly,) = load_schedules(ROOT / "schedules", default_timezone="UTC", base_dir=ROOT)
    assert (weekly.key, weekly.job_id, weekly.action, weekly.audience) == (
        "weekly", "schedule:weekly", "send", "everyone")
    assert weekly.timezone == CHICAGO and not weekly.requires_approval
    assert weekly.when_nothing_new == "skip"
    assert next_runs(weekly, utc(2026, 11, 27), 1) == [utc(2026, 11, 30, 15)]


def test_defaults_and_every_field():
    default = parse(WEEKLY)
    assert (default.name, default.timezone, default.tag, default.requires_approval,
            default.when_nothing_new, default.articles_per_issue) == (
        "weekly", CHICAGO, None, False, "skip", None)
    full = parse('name = "Back pain letter"\naction = "send"\n'
                 'cron = { day_of_week = "tue,thu", hour = "7", minute = 30, second = 15 }\n'
                 'timezone = "America/Denver"\naudience = "tag:back-pain"\n'
                 'requires_approval = true\nwhen_nothing_new = "evergreen"\n'
                 'evergreen_file = "schedules/evergreen.toml"\narticles_per_issue = 3\n')
    assert full.name == "Back pain letter" and full.tag == "back-pain"
    assert full.when == "day_of_week=tue,thu hour=7 minute=30 second=15"
    assert full.evergreen_path == Path("/srv/clinic/schedules/evergreen.toml")
    assert (full.requires_approval, full.articles_per_issue) == (True, 3)
    run = next_runs(full, utc(2026, 11, 30), 1)[0]
    assert (run.strftime("%a %H:%M:%S"), run.tzinfo.key) == ("Tue 07:30:15", "America/Denver")
    social = parse('action = "social"\ncron = { day_of_week = "sun", hour = 18, minute = 0 }\n'
                   'folder = "out/social"\n')
    assert social.folder == "out/social" and "export social snippets" in social.summary()


@pytest.mark.parametrize("text, words", [
    ('action = "send"\n', ["cron", "is missing"]),
    ('cron = { hour = 9, minute = 0 }\n', ["action", "is missing"]),
    (WEEKLY + 'colour = "blue"\n', ["colour", "is not a known key"]),
    ('action = "mail"\ncron = { hour = 9, minute = 0 }\n', ["action", "send, social", "'mail'"]),
    ('action = "send"\ncron = "0 9 * * mon"\n', ["cron", "not a crontab string"]),
    ('action = "send"\ncron = { hour = 9 }\n', ["cron.minute", "is missing"]),
    ('action = "send"\ncron = { hour = 25, minute = 0 }\n', ["cron.hour", "25"]),
    ('action = "send"\ncron = { hour = 9, minute = 0, day_of_week = "1" }\n',
     ["cron.day_of_week", "day names"]),
    ('action = "send"\ncron = { hour = 9, minute = 0, day_of_week = "mnday" }\n',
     ["cron.day_of_week", "mnday"]),
    ('action = "send"\ncron = { hour = 9, minute = 0, week = 2 }\n', ["cron.week", "not a cron field"]),
    ('action = "send"\ncron = { hour = true, minute = 0 }\n', ["cron.hour", "must be a number"]),
    (WEEKLY + 'timezone = "Central"\n', ["timezone", "'Central'"]),
    (WEEKLY + 'audience = "back-pain"\n', ["audience", "tag:NAME"]),
    (WEEKLY + 'audience = "tag:Back Pain!"\n', ["audience", "bad tag"]),
    (WEEKLY + 'requires_approval = "yes"\n', ["requires_approval", "true or false"]),
    (WEEKLY + 'when_nothing_new = "repeat"\n', ["when_nothing_new", "'repeat'"]),
    (WEEKLY + 'when_nothing_new = "evergreen"\n', ["evergreen_file", "is missing"]),
    (WEEKLY + 'evergreen_file = "e.toml"\n', ["evergreen_file", "only used with"]),
    (WEEKLY + 'articles_per_issue = 0\n', ["articles_per_issue", "between 1 and 50"]),
    (WEEKLY + 'name = 3\n', ["name", "must be a string"]),
    (WEEKLY + 'folder = "x"\n', ["folder", "does not apply to a send schedule"]),
    ('action = "social"\ncron = { hour = 9, minute = 0 }\naudience = "everyone"\n',
     ["audience", "does not apply to a social schedule"]),
    ('action = "send"\ncron = { hour = 9, minute = 0 \n', ["not valid TOML"]),
])
def test_a_mistake_names_the_file_and_the_key(text, words):
    with pytest.raises(ScheduleError) as caught:
        parse(text)
    message = str(caught.value)
    assert message.startswith(str(Path("schedules") / "weekly.toml") + ": ")
    for word in words:
        assert word in message


def test_a_file_name_that_cannot_be_a_job_id_is_refused():
    with pytest.raises(ScheduleError, match="the file name"):
        parse(WEEKLY, name="weekly letter.toml")


def test_check_reports_every_bad_file_and_keeps_the_good_ones(tmp_path):
    (tmp_path / "a.toml").write_text(WEEKLY)
    (tmp_path / "b.toml").write_text("action = 1\n")
    (tmp_path / "c.toml").write_text(WEEKLY + "x = 1\n")
    (tmp_path / "notes.txt").write_text("not a schedule")
    schedules, errors = check_schedules(tmp_path, default_timezone=CHICAGO, base_dir=tmp_path)
    assert [s.key for s in schedules] == ["a"]
    assert [str(e).split(":")[0] for e in errors] == [str(tmp_path / "b.toml")] * 2 + [
        str(tmp_path / "c.toml")]  # b.toml: cron is missing, and action is not text
    with pytest.raises(ScheduleError, match="b.toml"):
        load_schedules(tmp_path, default_timezone=CHICAGO, base_dir=tmp_path)
    with pytest.raises(ScheduleError, match="no such schedules folder"):
        load_schedules(tmp_path / "nope", default_timezone=CHICAGO, base_dir=tmp_path)


def test_send_schedules_with_two_audiences_are_refused(tmp_path):
    (tmp_path / "a-weekly.toml").write_text(WEEKLY)
    (tmp_path / "b-twice.toml").write_text(WEEKLY.replace('"mon"', '"thu"'))
    (tmp_path / "c-acupuncture.toml").write_text(WEEKLY + 'audience = "tag:acupuncture"\n')
    schedules, errors = check_schedules(tmp_path, default_timezone=CHICAGO, base_dir=tmp_path)
    assert [s.key for s in schedules] == ["a-weekly", "b-twice"]
    (error,) = errors
    assert str(error).startswith(f"{tmp_path / 'c-acupuncture.toml'}: audience is "
                                 "tag:acupuncture, but a-weekly.toml sends to everyone")
    assert error.hint == "give every send schedule the same audience"


NIGHTLY = 'action = "send"\ncron = {{ hour = {hour}, minute = 30 }}\n'


def test_the_fall_back_night_lists_one_half_past_one_the_first_time_it_comes():
    """On 2026-11-01 01:30 comes twice in Chicago (CDT, then CST); APScheduler fires at
    both, the schedule runs at the first."""
    runs = next_runs(parse(NIGHTLY.format(hour=1)), utc(2026, 10, 31, 12), 3)
    assert [(f"{run:%Y-%m-%d %H:%M %Z}", run.astimezone(timezone.utc)) for run in runs] == [
        ("2026-11-01 01:30 CDT", utc(2026, 11, 1, 6, 30)),
        ("2026-11-02 01:30 CST", utc(2026, 11, 2, 7, 30)),
        ("2026-11-03 01:30 CST", utc(2026, 11, 3, 7, 30))]


def test_the_spring_forward_night_lists_half_past_two_as_when_it_really_fires():
    """02:30 does not exist on 2026-03-08 in Chicago: the run is at 03:30 CDT (08:30 UTC),
    and is listed so, not as "02:30 CST"."""
    runs = next_runs(parse(NIGHTLY.format(hour=2)), utc(2026, 3, 7, 12), 2)
    assert [(f"{run:%Y-%m-%d %H:%M %Z}", run.astimezone(timezone.utc)) for run in runs] == [
        ("2026-03-08 03:30 CDT", utc(2026, 3, 8, 8, 30)),
        ("2026-03-09 02:30 CDT", utc(2026, 3, 9, 7, 30))]
