"""Who a process is, beyond its id: a process id is reused after a reboot, and in a
container the scheduler is PID 1 every time. The boot id, the PID namespace and the
process's start time (Linux's /proc) tell a dead holder of a lock from a live one with the
same number. Elsewhere they are unknown (None) and only the id and the host name count."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    pid: int
    boot_id: str | None
    """The kernel's random id of this boot: another boot, another set of processes."""
    pid_namespace: str | None
    """Where `pid` means something: containers on one machine each have their own."""
    start: int | None
    """When the process started, in clock ticks since the boot: a reused id starts later."""

    @classmethod
    def of_this_process(cls) -> ProcessIdentity:
        pid = os.getpid()
        return cls(pid=pid, boot_id=_read(PROC / "sys/kernel/random/boot_id"),
                   pid_namespace=_pid_namespace(), start=start_time(pid))


def start_time(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat; None if there is no such process (or no /proc)."""
    stat = _read(PROC / str(pid) / "stat")
    if stat is None:
        return None
    # the command name (field 2) may hold spaces and parentheses: count after the last ")"
    fields = stat.rpartition(")")[2].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_namespace() -> str | None:
    try:
        return os.readlink(PROC / "self/ns/pid")
    except OSError:
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
