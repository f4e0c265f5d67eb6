"""Processes by identity, and worker processes that die with their parent.

A process id alone names a process only while it runs: the kernel hands it to
the next process soon after (in a container, a restarted server often gets
the very same one). Records that outlive their writer (the write lock's
holder, a job, a generation being built) therefore note the pid *and* the
process's start time, and a process counts as alive only while both match.

Forked workers of a build inherit their parent's open files, the write lock's
among them, and its signal handlers (uvicorn's, which turn SIGTERM into a
flag nobody reads in the child). `die_with_parent` makes such a worker end
when its parent does, however the parent ends (kill -9 included).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

# prctl(2): deliver a signal to this process when the thread that forked it ends.
_PR_SET_PDEATHSIG = 1
# How often a worker without prctl looks at its parent.
PARENT_WATCH_SECONDS = 0.5


def start_time(pid: int) -> int | None:
    """When the process started (clock ticks since boot, /proc/PID/stat); None if unknown."""
    stat = _stat(pid)
    return int(stat[19]) if stat is not None else None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (the state first)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces and parentheses.
    return text[text.rfind(")") + 2 :].split()


def command_line(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            parts = handle.read().rstrip(b"\0").split(b"\0")
    except OSError:
        return None
    return shlex.join(p.decode("utf-8", "replace") for p in parts) or None


@dataclass(frozen=True)
class ProcessId:
    """A process: its pid and, where the system says, its start time."""

    pid: int
    start: int | None = None

    @classmethod
    def current(cls) -> ProcessId:
        pid = os.getpid()
        return cls(pid, start_time(pid))

    @classmethod
    def from_dict(cls, data: Any) -> ProcessId | None:
        """The process a record names, or None when the record names none (or garbles it)."""
        if not isinstance(data, dict):
            return None
        pid, start = data.get("pid"), data.get("start")
        if not isinstance(pid, int) or pid <= 0 or not (start is None or isinstance(start, int)):
            return None
        return cls(pid, start)

    def to_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "start": self.start}

    def alive(self) -> bool:
        """Whether this very process still runs (a reused pid is another process)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: it exists
        stat = _stat(self.pid)
        if stat is None:
            # No /proc (another system), or the process ended just now.
            return self.start is None and pid_exists(self.pid)
        if stat[0] in ("Z", "X"):
            return False  # ended, not yet reaped by its parent
        return self.start is None or int(stat[19]) == self.start


def pid_exists(pid: int) -> bool:
    """Whether a process of this id runs (any process: the id may have been reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def this_command() -> str:
    """This process's command line, shortened for a record."""
    line = shlex.join(getattr(sys, "orig_argv", sys.argv))
    return line if len(line) <= 200 else line[:199] + "…"


def die_with_parent(parent: int) -> None:
    """In a forked worker: end when `parent` ends, and take SIGTERM as an order to stop.

    Linux sends the worker SIGKILL as soon as the parent's forking thread
    ends (prctl PR_SET_PDEATHSIG); elsewhere a thread watches the parent
    id. A worker that outlived its parent would hold the index's write lock
    and block every later writer; and one blocked writing its result into a
    pipe nobody reads any more would never end by itself.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not _set_parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:
        # The parent ended before the death signal was asked for.
        os._exit(1)


def _set_parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(AttributeError, OSError):
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_WATCH_SECONDS)
    os._exit(1)
