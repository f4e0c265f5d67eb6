"""Metrics for Prometheus at `/metrics`: what the server did, and what the archive holds.

Two kinds of figure. What the server did is counted as it happens, in each
worker process: requests and their latency by route, searches, articles
written by editors, errors. `vindex serve` runs several worker processes,
and a scrape reaches one of them, so these are kept in prometheus-client's
multiprocess mode: each process writes its values into memory-mapped files
in one folder per run (`PROMETHEUS_MULTIPROC_DIR`, made and removed by
`vindex serve`), and a scrape sums every process's files. Without that
variable (one process: tests, `uvicorn` by hand) they are kept in memory.

What the archive holds (articles, the generation served, its size, jobs by
state) is the same for every worker, since they share the index folder: it
is read when scraped (`ArchiveCollector`), from the backend's health check,
which reads no index, and the job files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from indexer.archive.backend import Backend
from indexer.editing.jobs import JobStore
from indexer.settings import Settings

MULTIPROCESS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"
# Routes whose answers are searches, and where they were asked.
SEARCH_ROUTES = {
    "search": "page",
    "api_search": "api",
    "api_export": "export",
    "search_feed": "feed",
}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"})
# Most answers take milliseconds; an upload or an export takes seconds.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# The process's own metrics live here rather than in prometheus-client's global registry,
# so that the scrape chooses how to read them (this process, or all through the files).
OWN = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "vindex_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
    registry=OWN,
)
LATENCY = Histogram(
    "vindex_http_request_duration_seconds",
    "Time to answer an HTTP request (to its last byte), by route.",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=OWN,
)
SEARCHES = Counter(
    "vindex_searches",
    "Searches answered, by where they were asked: page, api, export, feed.",
    ["via"],
    registry=OWN,
)
UPLOADS = Counter(
    "vindex_editor_articles",
    "Articles written by editors, by outcome: created, updated, rejected, deleted, restored.",
    ["outcome"],
    registry=OWN,
)
ERRORS = Counter(
    "vindex_errors",
    "Requests answered with a server error (5xx), by status.",
    ["status"],
    registry=OWN,
)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_FOLDER))


def route_of(scope: Scope) -> tuple[str, str | None]:
    """The route's path template ("/articles/{id}") and name; "unmatched" for none.

    The template, not the path: a label per article id would be a metric per article.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "unmatched", None
    return path or "/", getattr(route, "name", None)


def observe(scope: Scope, status: int, seconds: float) -> None:
    """One answered request, as the app's middleware layer saw it."""
    route, name = route_of(scope)
    method = scope.get("method", "GET")
    key = (route, method if method in _METHODS else "other", status, name)
    series = _series.get(key)
    if series is None:
        series = _series[key] = _new_series(*key)
    requests, latency, also = series
    requests.inc()
    latency.observe(seconds)
    if also is not None:
        also.inc()


# The series of each (route, method, status, name) seen, looked up once: `labels()`
# takes a lock and builds a key each time (8.7 us a request in multiprocess mode).
_series: dict[tuple[str, str, int, str | None], tuple[Any, Any, Any]] = {}


def _new_series(route: str, method: str, status: int, name: str | None) -> tuple[Any, Any, Any]:
    also = None
    if status >= 500:
        also = ERRORS.labels(str(status))
    elif status < 400 and name in SEARCH_ROUTES:
        also = SEARCHES.labels(SEARCH_ROUTES[name])
    return REQUESTS.labels(route, method, str(status)), LATENCY.labels(route), also


def count_outcomes(statuses: list[str]) -> None:
    """What became of each article an editor sent."""
    for status in statuses:
        UPLOADS.labels(status).inc()


class ArchiveCollector(Collector):
    """What the archive holds, read at each scrape."""

    def __init__(self, backend: Backend, settings: Settings) -> None:
        self.backend = backend
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        health = self.backend.health()
        up = GaugeMetricFamily(
            "vindex_index_up", "1 when the index can answer, 0 when missing or damaged."
        )
        up.add_metric([], 1.0 if health.status == "ok" else 0.0)
        yield up
        articles = GaugeMetricFamily("vindex_articles", "Articles in the index.")
        articles.add_metric([], float(health.articles))
        yield articles
        generation = GaugeMetricFamily(
            "vindex_index_generation_info",
            "The index generation served (its folder's name; a new one with each rebuild).",
            labels=["generation"],
        )
        size = GaugeMetricFamily("vindex_index_bytes", "Size on disk of the generation served.")
        if health.generation:
            generation.add_metric([health.generation], 1.0)
            folder = self.settings.index / health.generation
            # The embedded index's folder; a cluster's index has none here.
            if folder.is_dir():
                size.add_metric([], float(folder_bytes(folder)))
        yield generation
        yield size
        updated = GaugeMetricFamily(
            "vindex_index_updated_timestamp_seconds",
            "When the index last changed (Unix time): alert on an archive that stopped changing.",
        )
        changed = _timestamp(self.backend.updated()) if health.generation else None
        if changed is not None:
            updated.add_metric([], changed)
        yield updated
        jobs = GaugeMetricFamily(
            "vindex_jobs",
            "Long jobs (reindex, reconcile) kept on disk, by state.",
            labels=["state"],
        )
        for state, count in sorted(JobStore(self.settings.index).states().items()):
            jobs.add_metric([state], float(count))
        yield jobs
        scraped = GaugeMetricFamily(
            "vindex_scrape_timestamp_seconds", "When this scrape was answered (Unix time)."
        )
        scraped.add_metric([], time.time())
        yield scraped


def _timestamp(iso: str | None) -> float | None:
    try:
        return datetime.fromisoformat(iso).timestamp() if iso else None
    except ValueError:
        return None


class _Own(Collector):
    """This process's metrics alone (no worker files to sum)."""

    def collect(self) -> Iterator[Metric]:
        yield from OWN.collect()


def folder_bytes(folder: Path) -> int:
    """The bytes of the files in a folder and below (0 when it is gone: a rebuild swapped it)."""
    total = 0
    try:
        for entry in os.scandir(folder):
            if entry.is_dir(follow_symlinks=False):
                total += folder_bytes(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        pass
    return total


def exposition(backend: Backend, settings: Settings) -> bytes:
    """The text a scrape reads: every worker's counts (summed), and the archive's figures."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Own())
    registry.register(ArchiveCollector(backend, settings))
    return generate_latest(registry)


def metrics(request: Request) -> Response:
    body = exposition(request.app.state.backend, request.app.state.settings)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/metrics", metrics, methods=["GET"], name="metrics")]
