"""Two pieces of APScheduler 3 adapted to what a newsletter needs.

- The job store waits for the database. APScheduler guards its read of the due jobs (a
  failure is retried after `jobstore_retry_interval`), but not the write after a run is
  submitted: `update_job` raising "database is locked" ends the scheduler's loop, and the
  process with it. Here the writes wait for the database to come back.
- The executor tells each run the slot it is for. APScheduler calls a job with its stored
  arguments only; the run needs its slot to claim it once in the run log (one run per
  local slot, even in the hour that repeats when the clocks go back).
"""

from __future__ import annotations

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from .patience import UNAVAILABLE, when_database_is_back
from .schedules import JOB_ID_PREFIX


class PatientJobStore(SQLAlchemyJobStore):
    """SQLAlchemyJobStore whose writes, and the read APScheduler does not guard, wait out
    an unavailable database; they give up only when the scheduler stops (the job's stored
    next run time is then the old one, and the run log's slot claim keeps that slot from
    running twice)."""

    _running = False
    """Patient once the scheduler runs; before, a database error is the setup's to report."""

    def update_job(self, job):
        self._patiently(lambda: super(PatientJobStore, self).update_job(job),
                        f"{job.id}: saving its next run time")

    def remove_job(self, job_id):
        self._patiently(lambda: super(PatientJobStore, self).remove_job(job_id),
                        f"{job_id}: removing it")

    def get_next_run_time(self):
        return self._patiently(lambda: super(PatientJobStore, self).get_next_run_time(),
                               "reading the next run time")

    def _patiently(self, call, what: str):
        scheduler = self._scheduler
        self._running = self._running or bool(scheduler and scheduler.running)
        if not self._running:
            return call()
        try:
            return when_database_is_back(call, what=what,
                                         give_up=lambda: not scheduler.running)
        except UNAVAILABLE:
            return None  # stopping anyway: the next start picks up from the store


class SlotExecutor(ThreadPoolExecutor):
    """Runs a schedule's job with `slot=` the time APScheduler fired it for (ISO text, a
    plain argument like the others); the coalesced run of several missed slots is for the
    last of them."""

    def _do_submit_job(self, job, run_times):
        if job.id.startswith(JOB_ID_PREFIX):
            job = _with_kwargs(job, slot=run_times[-1].isoformat())
        super()._do_submit_job(job, run_times)


def _with_kwargs(job: Job, **kwargs) -> Job:
    """A copy of `job` (every slot of it, the scheduler's bookkeeping too) that gets
    `kwargs` besides its own; the stored job is left as it is."""
    copied = Job.__new__(Job)
    for name in Job.__slots__:
        if name != "__weakref__" and hasattr(job, name):
            setattr(copied, name, getattr(job, name))
    copied.kwargs = {**job.kwargs, **kwargs}
    return copied
