"""Schedules: one TOML file per schedule (`schedules/weekly.toml`), parsed into a frozen
`Schedule`, strictly: an unknown key or a wrong value is an error naming the file and the key.

APScheduler's `CronTrigger` is a pure computation (no thread, no store), so `next_runs` is a
plain function of its arguments. Every trigger gets an explicit `ZoneInfo`: a schedule means
09:00 in St. Charles whatever the season and whatever zone the server is in.

Around daylight saving the trigger needs two corrections. A time that does not exist (02:30
on the spring-forward night) fires an hour on, at 03:30 CDT, but the trigger names it
"02:30 CST": `real_time` names it as it fires. A time that comes twice (01:30 on the
fall-back night) fires twice, at 01:30 CDT and at 01:30 CST: a schedule runs once per slot
on its wall clock (`slot_key`, claimed in the run log), so the second is not a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from ..audience.addresses import InvalidValue, parse_tags
from ..common.errors import ConfigError
from ..common.tomlfile import Table, parse_toml, read_text
from ..common.text import one_line
from ..feed.evergreen import EvergreenError, load_evergreen

CRON_FIELDS = ("month", "day", "day_of_week", "hour", "minute", "second")
"""`second` (default 0) is there for tests and demos that need a run a few seconds ahead."""
REQUIRED_CRON_FIELDS = ("hour", "minute")
ACTIONS = ("send", "social")
WHEN_NOTHING_NEW = ("skip", "evergreen")
SEND_ONLY = ("audience", "requires_approval", "when_nothing_new", "evergreen_file",
             "articles_per_issue")
SOCIAL_ONLY = ("folder",)
KEYS = ("name", "action", "cron", "timezone", *SEND_ONLY, *SOCIAL_ONLY)
JOB_ID_PREFIX = "schedule:"
_FILE_NAME = re.compile(r"[A-Za-z0-9_-]+")


class ScheduleError(ConfigError):
    """A schedule file that cannot be used; the message names the file and the key."""


class ScheduleMistakes(ScheduleError):
    """Several mistakes in one file, each its own ScheduleError, so that one check shows
    them all; as an error it reads as the first."""

    def __init__(self, mistakes: list[ScheduleError]):
        super().__init__(f"{mistakes[0]} (and {len(mistakes) - 1} more mistake(s) in the file)",
                         hint=mistakes[0].hint)
        self.mistakes = mistakes


@dataclass(frozen=True)
class Schedule:
    key: str
    """The file's name without .toml: the schedule's identity, its job id is schedule:<key>."""
    name: str
    path: Path
    action: str
    cron: tuple[tuple[str, str], ...]
    """(field, expression) pairs in CRON_FIELDS order, only those the file gives."""
    timezone: str
    tag: str | None = None
    """None: every active subscriber; else only those with this tag."""
    requires_approval: bool = False
    when_nothing_new: str = "skip"
    evergreen_path: Path | None = None
    articles_per_issue: int | None = None
    folder: str = "social"
    """Where a social schedule writes the snippets (a folder per issue), relative to the
    config file's folder."""

    @property
    def job_id(self) -> str:
        return JOB_ID_PREFIX + self.key

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def audience(self) -> str:
        return f"tag:{self.tag}" if self.tag else "everyone"

    @property
    def when(self) -> str:
        """The cron fields as written, e.g. `day_of_week=mon hour=9 minute=0`."""
        return " ".join(f"{name}={value}" for name, value in self.cron)

    def trigger(self) -> CronTrigger:
        return CronTrigger(**dict(self.cron), timezone=self.zone)

    def summary(self) -> str:
        what = (f"send to {self.audience}" if self.action == "send"
                else f"export social snippets to {self.folder}/")
        return f"{what}; {self.when} ({self.timezone})"


def next_runs(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The next `count` runs at or after `after`, aware, in the schedule's zone, as they
    will really happen: a time that does not exist as the moment it fires, and a time that
    comes twice only the first time."""
    trigger = schedule.trigger()
    runs: list[datetime] = []
    previous = None
    while len(runs) < count:
        upcoming = trigger.get_next_fire_time(previous, after)
        if upcoming is None:
            break
        previous = after = upcoming
        if not is_second_pass(real_time(upcoming, schedule.zone)):
            runs.append(real_time(upcoming, schedule.zone))
    return runs


def slot_key(slot: datetime) -> str:
    """The slot on its own wall clock, e.g. `2026-11-01T01:30:00`: the same for both
    passes of a repeated hour, so that a schedule runs once per local slot."""
    return slot.strftime("%Y-%m-%dT%H:%M:%S")


def real_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` as the clock on the wall reads when it comes: APScheduler gives a time the
    clocks skip (02:30 on the spring-forward night) as "02:30 CST", which is 03:30 CDT."""
    return moment.astimezone(timezone.utc).astimezone(zone)


def is_second_pass(moment: datetime) -> bool:
    """`moment` falls in the hour that repeats when the clocks go back, the second time."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


def load_schedules(folder: Path, *, default_timezone: str, base_dir: Path) -> list[Schedule]:
    """Every schedule in `folder`, in name order; the first bad file is an error."""
    schedules, errors = check_schedules(folder, default_timezone=default_timezone,
                                        base_dir=base_dir)
    if errors:
        raise errors[0]
    return schedules


def check_schedules(folder: Path, *, default_timezone: str, base_dir: Path
                    ) -> tuple[list[Schedule], list[ScheduleError]]:
    """Every good schedule and every error, so that one look shows all that is wrong."""
    if not folder.is_dir():
        raise ScheduleError(f"{folder}: no such schedules folder",
                            hint="create it and add a schedule such as weekly.toml, or set "
                                 "scheduler.schedules in the config")
    schedules, errors = [], []
    for path in sorted(folder.glob("*.toml")):
        try:
            schedules.append(read_schedule(path, default_timezone=default_timezone,
                                           base_dir=base_dir))
        except ScheduleError as error:
            errors.extend(getattr(error, "mistakes", [error]))
    return _one_audience(schedules, errors)


def _one_audience(schedules: list[Schedule], errors: list[ScheduleError]
                  ) -> tuple[list[Schedule], list[ScheduleError]]:
    """Send schedules share one feed and one series of issues, and an issue is complete
    once its send is done: a second audience would never get the issues the first one
    completed. So every send schedule must send to the same audience."""
    sends = [s for s in schedules if s.action == "send"]
    if not sends:
        return schedules, errors
    first = sends[0]
    odd = [s for s in sends if s.audience != first.audience]
    for schedule in odd:
        errors.append(ScheduleError(
            f"{schedule.path}: audience is {schedule.audience}, but {first.path.name} sends to "
            f"{first.audience}; the first of them to run would complete each issue, so the "
            "other audience would never get it",
            hint="give every send schedule the same audience"))
    return [s for s in schedules if s not in odd], errors


def read_schedule(path: Path, *, default_timezone: str, base_dir: Path) -> Schedule:
    """The schedule in `path`, with its evergreen list (if any) checked too."""
    text = read_text(path, what="schedule", error=ScheduleError)
    schedule = parse_schedule(text, path, default_timezone=default_timezone, base_dir=base_dir)
    if schedule.evergreen_path is not None:
        try:
            load_evergreen(schedule.evergreen_path)
        except EvergreenError as error:
            raise ScheduleError(f"{path}: evergreen_file {error}", hint=error.hint) from None
    return schedule


def parse_schedule(text: str, path: Path, *, default_timezone: str,
                   base_dir: Path) -> Schedule:
    """A `Schedule` from the text of `path`. Relative paths in it (evergreen_file, folder)
    are relative to `base_dir`, the config file's folder, like every path in the config.
    Every mistake in the file is found, not only the first: `ScheduleMistakes` holds them."""
    if not _FILE_NAME.fullmatch(path.stem):
        raise ScheduleError(f"{path}: the file name may only have letters, digits, '-' and "
                            "'_' before .toml")
    raw = parse_toml(text, path, error=ScheduleError)
    table = Table(raw, path=path, error=ScheduleError)
    fail = table.fail
    mistakes: list[ScheduleError] = []

    def check(step, fallback=None):
        """`step()`, or `fallback` with its mistake noted, so the next key is checked too."""
        try:
            return step()
        except ScheduleError as error:
            mistakes.append(error)
            return fallback

    check(lambda: table.only(KEYS, takes="a schedule"))
    for key in ("action", "cron"):
        if key not in raw:
            check(lambda key=key: fail(key, "is missing", hint='e.g. action = "send" and cron '
                                       '= { day_of_week = "mon", hour = 9, minute = 0 }'))
    action = check(lambda: _action(table), "send")
    for key in SEND_ONLY if action != "send" else SOCIAL_ONLY:
        if key in raw:
            check(lambda key=key: fail(key, f"does not apply to a {action} schedule"))
    name = one_line(check(lambda: table.get("name", str, path.stem), "")) or path.stem
    timezone = check(lambda: _timezone(table, default_timezone), default_timezone)
    cron = check(lambda: _cron(raw["cron"], ZoneInfo(timezone), fail), ()) if "cron" in raw \
        else ()
    tag = check(lambda: _audience(table.get("audience", str, "everyone"), fail))
    requires_approval = check(lambda: table.get("requires_approval", bool, False), False)
    when_nothing_new = check(lambda: _when_nothing_new(table), "skip")
    evergreen_file = check(lambda: _evergreen_file(table, when_nothing_new), "")
    cap = check(lambda: _cap(table))
    folder = check(lambda: _folder(table), "social")
    if mistakes:
        raise mistakes[0] if len(mistakes) == 1 else ScheduleMistakes(mistakes)
    return Schedule(key=path.stem, name=name, path=path, action=action, cron=cron,
                    timezone=timezone, tag=tag, requires_approval=requires_approval,
                    when_nothing_new=when_nothing_new,
                    evergreen_path=(base_dir / evergreen_file).resolve() if evergreen_file
                    else None,
                    articles_per_issue=cap, folder=folder)


def _action(table: Table) -> str:
    action = table.get("action", str, "send")
    if action not in ACTIONS:
        table.fail("action", f"must be one of {', '.join(ACTIONS)}, not {action!r}")
    return action


def _timezone(table: Table, default: str) -> str:
    timezone = table.get("timezone", str, default)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        table.fail("timezone", f"is not a known time zone: {timezone!r} "
                               "(use a name like America/Chicago)")
    return timezone


def _when_nothing_new(table: Table) -> str:
    when_nothing_new = table.get("when_nothing_new", str, "skip")
    if when_nothing_new not in WHEN_NOTHING_NEW:
        table.fail("when_nothing_new", f"must be skip or evergreen, not {when_nothing_new!r}")
    return when_nothing_new


def _evergreen_file(table: Table, when_nothing_new: str) -> str:
    evergreen_file = table.get("evergreen_file", str, "")
    if when_nothing_new == "evergreen" and not evergreen_file:
        table.fail("evergreen_file", "is missing: when_nothing_new = \"evergreen\" needs the "
                                     "list of evergreen articles, e.g. evergreen_file = "
                                     "\"schedules/evergreen.toml\"")
    if evergreen_file and when_nothing_new != "evergreen":
        table.fail("evergreen_file", "is only used with when_nothing_new = \"evergreen\"")
    return evergreen_file


def _cap(table: Table) -> int | None:
    cap = table.get("articles_per_issue", int, None)
    if cap is not None and not 1 <= cap <= 50:
        table.fail("articles_per_issue",
                   f"must be a whole number between 1 and 50, not {cap!r}")
    return cap


def _folder(table: Table) -> str:
    folder = table.get("folder", str, "social")
    if not folder.strip():
        table.fail("folder", "must name a folder")
    return folder


def _cron(value, zone: ZoneInfo, fail) -> tuple[tuple[str, str], ...]:
    if isinstance(value, str):
        fail("cron", "must be a table of fields, not a crontab string",
             hint='write cron = { day_of_week = "mon", hour = 9, minute = 0 }')
    if not isinstance(value, dict):
        fail("cron", f"must be a table of fields, not {value!r}")
    for field in value:
        if field not in CRON_FIELDS:
            fail(f"cron.{field}", "is not a cron field",
                 hint=f"cron takes: {', '.join(CRON_FIELDS)}")
    for field in REQUIRED_CRON_FIELDS:
        if field not in value:
            fail(f"cron.{field}", "is missing: give the hour and the minute explicitly, so "
                                  "that a schedule never runs every minute by accident")
    fields = []
    for field in CRON_FIELDS:
        if field not in value:
            continue
        expression = value[field]
        if isinstance(expression, bool) or not isinstance(expression, (int, str)):
            fail(f"cron.{field}", f"must be a number or a cron expression, not {expression!r}")
        expression = str(expression).strip()
        if field == "day_of_week" and re.search(r"\d", expression):
            fail("cron.day_of_week", f"must use day names (mon, tue, ...), not {expression!r}",
                 hint="APScheduler counts days from 0 = Monday, crontab from 0 = Sunday; "
                      "names mean the same in both")
        try:
            CronTrigger(**{field: expression}, timezone=zone)
        except ValueError as error:
            fail(f"cron.{field}", f"is not valid: {error}")
        fields.append((field, expression))
    return tuple(fields)


def _audience(value: str, fail) -> str | None:
    if value == "everyone":
        return None
    if not value.startswith("tag:"):
        fail("audience", f"must be \"everyone\" or \"tag:NAME\", not {value!r}")
    try:
        tags = parse_tags(value[len("tag:"):])
    except InvalidValue as error:
        fail("audience", f"has a bad tag: {error}")
    if len(tags) != 1:
        fail("audience", f"must name exactly one tag, not {value!r}")
    return tags[0]
