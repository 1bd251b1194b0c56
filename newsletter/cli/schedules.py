"""newsletter schedules check / list, and newsletter scheduler, the process that runs them."""

from __future__ import annotations

import sys
from datetime import timezone

import click

from ..common.errors import NewsletterError
from ..common.clock import utc_now
from ..common.settings import Settings
from ..schedule.scheduler import configure_logging, run_scheduler
from ..schedule.schedules import Schedule, check_schedules, load_schedules, next_runs
from ..storage.run_log import RunLog
from ..storage.store import Store
from .base import _, _n, common_options, main, print_error, status_name


@main.group()
def schedules():
    """Check and list the schedules: one .toml file per schedule in the schedules folder
    (scheduler.schedules in the config, "schedules" by default)."""


@schedules.command("check")
@common_options
def check(settings: Settings):
    """Check every schedule file (and its evergreen list); each mistake is one line
    naming the file and the key.

    \b
    Example:
      newsletter schedules check
    """
    folder = settings.path(settings.scheduler.schedules)
    good, errors = check_schedules(folder, default_timezone=settings.clinic.timezone,
                                   base_dir=settings.base_dir)
    for schedule in good:
        click.echo(_("ok: %(file)s: %(summary)s", file=schedule.path.name,
                     summary=schedule.summary()))
    for error in errors:
        print_error(error)
    if not good and not errors:
        click.echo(_("No schedule files in %(folder)s.", folder=folder))
    if errors:
        sys.exit(1)


@schedules.command("list")
@common_options
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 100),
              help="How many next run times to show.")
def list_schedules(settings: Settings, count: int):
    """Each schedule with its next run times in the clinic's local time and in UTC, and
    how its last run went.

    \b
    Example:
      newsletter schedules list --count 5
    """
    found = _schedules(settings)
    runs = RunLog(Store.open(settings.database_url).engine)
    at = utc_now()
    for schedule in found:
        click.echo(f"{schedule.key}: {schedule.name}: {schedule.summary()}")
        if schedule.action == "send":
            cap = schedule.articles_per_issue or settings.issue.articles_per_issue
            click.echo(_n("  approval required; nothing new: %(then)s; up to %(num)d article(s)",
                          "  approval required; nothing new: %(then)s; up to %(num)d "
                          "article(s)", cap, then=schedule.when_nothing_new)
                       if schedule.requires_approval else
                       _n("  approval not needed; nothing new: %(then)s; up to %(num)d "
                          "article(s)", "  approval not needed; nothing new: %(then)s; up to "
                          "%(num)d article(s)", cap, then=schedule.when_nothing_new))
        for run in next_runs(schedule, at, count):
            local = run.astimezone(settings.zone).strftime("%a %Y-%m-%d %H:%M %Z")
            utc = run.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
            click.echo(_("  next: %(local)s  (%(utc)s UTC)", local=local, utc=utc))
        for last in runs.runs(schedule.key, limit=1):
            started = last.started_at.astimezone(settings.zone).strftime("%a %Y-%m-%d %H:%M %Z")
            click.echo(_("  last run: %(when)s: %(outcome)s", when=started,
                         outcome=status_name(last.outcome))
                       + (_(" issue %(slug)s", slug=last.issue_slug) if last.issue_slug else "")
                       + (f" ({last.note})" if last.note else ""))


@main.command()
@common_options
def scheduler(settings: Settings):
    """Run the schedules until stopped (SIGTERM or Ctrl-C): each on time, in its time
    zone, once.

    Every run does what `python send.py` does, with the schedule's audience, approval
    rule and article cap. A run more than scheduler.misfire_grace_seconds late is not sent:
    the issue is held for staff. One scheduler runs per database; a second one (here or on
    another host) waits as its standby and takes over within a minute of the first
    stopping or dying. After editing the schedules, send it SIGHUP (`systemctl reload
    newsletter-scheduler`) to apply them; a bad edit is logged and changes nothing.

    \b
    Example:
      newsletter scheduler --config /srv/newsletter/newsletter.toml
    """
    configure_logging(click.get_current_context().meta.get("verbose", False))
    sys.exit(run_scheduler(settings, lambda: _schedules(settings)))


def _schedules(settings: Settings) -> list[Schedule]:
    folder = settings.path(settings.scheduler.schedules)
    found = load_schedules(folder, default_timezone=settings.clinic.timezone,
                           base_dir=settings.base_dir)
    if not found:
        raise NewsletterError("no schedules in %(folder)s", folder=folder,
                              hint="add one such as weekly.toml (see the README's Schedules)")
    return found
