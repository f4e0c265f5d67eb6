"""Waiting in tests for an event (a job's end, a server's answer), never for a machine's speed.

A fixed deadline judges how fast the machine is: `make test` on a loaded
2-core machine took 20 minutes, and a Reuters reindex outlived its 300 s.
So a test waits for what it needs to see, and the only limit is `HANG`, a
backstop long enough that reaching it means something never happens: its
failure says so, with what was awaited.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, Protocol, TypeVar

import pytest

# Seconds after which a wait is a hang, not a slow machine.
HANG = 30 * 60.0

T = TypeVar("T")


def hang(what: str, seconds: float = HANG) -> NoReturn:
    """Fail the test as a hang: `what` did not happen within `seconds`."""
    pytest.fail(f"hang: {what} not after {seconds / 60:.0f} min", pytrace=False)


def wait_until(
    condition: Callable[[], T],
    what: str,
    *,
    process: subprocess.Popen[bytes] | subprocess.Popen[str] | None = None,
    interval: float = 0.05,
) -> T:
    """Poll `condition` until it gives a true value, and return that.

    `what` names the awaited event for the hang message. With `process`, the
    wait also ends (as a failure) when that process exits first.
    """
    deadline = time.monotonic() + HANG
    while True:
        result = condition()
        if result:
            return result
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process exited ({process.returncode}) before {what}", pytrace=False)
        if time.monotonic() > deadline:
            hang(what)
        time.sleep(interval)


def wait_exit(process: subprocess.Popen[bytes] | subprocess.Popen[str], what: str) -> int:
    """Wait for `process` to exit (a hang after `HANG`); its exit status."""
    try:
        return process.wait(HANG)
    except subprocess.TimeoutExpired:
        process.kill()
        hang(what)


class _Client(Protocol):
    """A Starlette TestClient or an httpx2 client: anything that GETs a JSON answer."""

    def get(self, url: str, *, headers: Mapping[str, str]) -> Any: ...


def ended(job: dict[str, Any]) -> bool:
    """Whether an editor job's record says it has ended, done or failed."""
    return job["state"] in ("done", "failed")


def wait_for_job(
    client: _Client,
    job_id: str,
    headers: Mapping[str, str],
    condition: Callable[[dict[str, Any]], bool] = ended,
    what: str = "",
    interval: float = 0.05,
) -> dict[str, Any]:
    """Poll `/api/jobs/<job_id>` until its record meets `condition` (by default: it has
    ended); that record. `what` names the awaited event for the hang message."""

    def met() -> dict[str, Any] | None:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        return job if condition(job) else None

    return wait_until(met, what or f"the end of job {job_id}", interval=interval)
