"""Settings: one frozen dataclass, read once from `VINDEX_*` variables, overridable by flags.

The CLI and the web app share it; the README's settings table lists every field.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from indexer.system.logs import LogFormatError, check_format


class SettingsError(ValueError):
    """A setting with a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    index: Path = Path("index")
    corpus: Path = Path("corpus")
    host: str = "127.0.0.1"
    port: int = 8000
    # Worker processes of `vindex serve`; None: one per usable core, at most MAX_WORKERS.
    workers: int | None = None
    # Threads of a worker that answer reading requests at once; None: the worker's
    # share of the cores, at least 2 (see read_thread_count).
    read_threads: int | None = None
    editor_token: str | None = None
    max_upload_mb: int = 20
    max_file_mb: int = 20
    # The archive's time zone (IANA name): the editor's page shows times in it. Vienna,
    # as for articles whose dates name no zone (indexer.ingest.dates).
    time_zone: str = "Europe/Vienna"
    # Origins allowed to read the GET API from a browser (CORS): comma-separated, or "*".
    cors_origins: str = "*"
    # The public address of the site (scheme, host, any path), for absolute links
    # (Atom feeds); unset, they follow the request's Host and are not cached publicly.
    base_url: str | None = None
    # Proxies whose X-Forwarded-For/-Proto are believed: comma-separated addresses or
    # networks, or "*". None by default: a client could name any address it likes.
    trusted_proxies: str = ""
    # Open connections per worker; when full, a new one closes the longest idle one.
    max_connections: int = 1000
    # Seconds a connection may take to send a request's headers.
    header_timeout: int = 20
    # How log lines look: "text" (for people) or "json" (one object per line, for collectors).
    log_format: str = "text"
    # Where the archive lives: "embedded" (Whoosh files in `index`) or "opensearch"
    # (a cluster at `opensearch_url`; install the `vindex[opensearch]` extra).
    backend: str = "embedded"
    # The cluster's address, e.g. https://search.example:9200 (several: comma-separated).
    opensearch_url: str = ""
    # Basic auth, or an API key (sent as `Authorization: ApiKey ...`); empty: none.
    opensearch_username: str = ""
    opensearch_password: str = ""
    opensearch_api_key: str = ""
    # TLS: certificates are verified unless this is false; a CA bundle for a private CA.
    opensearch_verify_certs: bool = True
    opensearch_ca_certs: str = ""
    # The alias searches read; each build writes a new index `<alias>-<timestamp>` behind it.
    opensearch_index: str = "vindex"
    # Each version's primary shards and replica copies (see docs/scale.md for sizes).
    opensearch_shards: int = 1
    opensearch_replicas: int = 1
    # The archive's name and a line about it, for the pages' header and the home page.
    # The description unset, the home page says what the archive holds (years, languages).
    title: str = "Vindex"
    description: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = environ.get(f"VINDEX_{item.name.upper()}")
            if raw is None or raw == "":
                continue
            values[item.name] = _convert(item.name, raw)
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given values (None means: keep the current one)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def worker_count(self) -> int:
        """The worker processes to start: as set, or one per core this process may use.

        Each worker searches on a core of its own (Python runs one thread of a
        process at a time), so fewer leave cores idle under load. The cap:
        each worker holds its own copy of the index's arrays and caches (about
        200 MB at 21,600 articles), and its own writer queue.
        """
        if self.workers is not None:
            return self.workers
        return max(1, min(MAX_WORKERS, usable_cores()))

    @property
    def read_thread_count(self) -> int:
        """Requests each worker reads the archive for at once: as set, or its cores, at least 2.

        Python runs one thread of a process at a time, so threads beyond a
        worker's share of the cores mostly take the GIL from each other; the
        requests beyond them wait in the event loop, in the order they came.
        At least two, so that one slow search does not hold up every other
        reader of its worker. bench/load.py, 2 workers on 2 cores, 40 s, one
        run each: a thread per request, queued for 4 search turns, 350
        requests/s at 4.8 ms of worker CPU each; 1 reading thread 521 (3.55
        ms); 2 reading threads 514 (3.59 ms).
        """
        if self.read_threads is not None:
            return self.read_threads
        return max(MIN_READ_THREADS, usable_cores() // self.worker_count)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [proxy.strip() for proxy in self.trusted_proxies.split(",") if proxy.strip()]

    def to_env(self) -> dict[str, str]:
        """The settings as `VINDEX_*` variables, to hand to worker processes."""
        env = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                env[f"VINDEX_{item.name.upper()}"] = str(value)
        return env


# The default number of workers stops here, whatever the machine (see worker_count).
MAX_WORKERS = 8
# A worker's reading threads by default are never fewer (see read_thread_count).
MIN_READ_THREADS = 2


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


BACKENDS = ("embedded", "opensearch")
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,100}")

_INTS = {
    "port": (1, 65535),
    "workers": (1, 64),
    "read_threads": (1, 64),
    "max_upload_mb": (1, 10240),
    "max_file_mb": (1, 10240),
    "max_connections": (2, 1_000_000),
    "header_timeout": (1, 3600),
    "opensearch_shards": (1, 1024),
    "opensearch_replicas": (0, 16),
}


def _convert(name: str, raw: str) -> Any:
    if name in ("index", "corpus"):
        return Path(raw)
    if name in _INTS:
        low, high = _INTS[name]
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"VINDEX_{name.upper()}: expected a number, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(f"VINDEX_{name.upper()}: must be between {low} and {high}")
        return value
    if name == "base_url":
        return _base_url(raw)
    if name == "trusted_proxies":
        return _proxies(raw)
    if name == "time_zone":
        return _time_zone(raw)
    if name == "backend":
        if raw not in BACKENDS:
            raise SettingsError(f"VINDEX_BACKEND: one of {', '.join(BACKENDS)}, got {raw!r}")
        return raw
    if name == "opensearch_verify_certs":
        if raw.lower() not in _BOOLEANS:
            raise SettingsError(f"VINDEX_OPENSEARCH_VERIFY_CERTS: true or false, got {raw!r}")
        return _BOOLEANS[raw.lower()]
    if name == "opensearch_index":
        # An index name: lowercase, no path or wildcard characters (OpenSearch's rules).
        if not _INDEX_NAME.fullmatch(raw):
            raise SettingsError(
                f"VINDEX_OPENSEARCH_INDEX: lowercase letters, digits, - and _, got {raw!r}"
            )
        return raw
    if name in ("title", "description"):
        return _text(name, raw)
    if name == "log_format":
        try:
            return check_format(raw)
        except LogFormatError as exc:
            raise SettingsError(str(exc)) from None
    return raw


def _time_zone(raw: str) -> str:
    """An IANA time zone name the system (or tzdata) knows: Europe/Vienna, UTC."""
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise SettingsError(
            f"VINDEX_TIME_ZONE: {raw!r} is not a time zone (use a name such as Europe/Vienna)"
        ) from None
    return name


def _base_url(raw: str) -> str:
    """http(s)://host[:port][/path], without a trailing slash, query or fragment."""
    try:
        parts = urlsplit(raw.strip())
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise SettingsError(f"VINDEX_BASE_URL: expected http(s)://host[:port][/path], got {raw!r}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


# Longer names do not fit the header of a phone; a description is one line of the home page.
TEXT_LIMITS = {"title": 60, "description": 300}


def _text(name: str, raw: str) -> str:
    """A line of text: runs of spaces and newlines as one space, not longer than its limit."""
    text = " ".join(raw.split())
    if not text:
        raise SettingsError(f"VINDEX_{name.upper()}: must not be blank")
    if len(text) > TEXT_LIMITS[name]:
        raise SettingsError(f"VINDEX_{name.upper()}: at most {TEXT_LIMITS[name]} characters")
    return text


def _proxies(raw: str) -> str:
    """Addresses or networks (or "*"), checked here so that a typo stops the server."""
    items = []
    for item in filter(None, (item.strip() for item in raw.split(","))):
        if item == "*":
            items.append(item)
            continue
        try:
            # Written as uvicorn reads them: it takes 10.0.0.1/8 for a name, not a network.
            if "/" in item:
                items.append(str(ipaddress.ip_network(item, strict=False)))
            else:
                items.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise SettingsError(
                f"VINDEX_TRUSTED_PROXIES: {item!r} is not an address or network"
            ) from None
    return ",".join(items)
