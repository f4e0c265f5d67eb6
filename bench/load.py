"""Benchmark: a real `vindex serve --workers 2` under a load of readers and one editor.

Prepares the Reuters-21578 import from ../shared/corpora and its built index
(in a temporary folder, or once in `--cache DIR` and copied from there for
each run, so that a run never sees an earlier run's uploads), starts
`vindex serve --workers 2` on a free port of 127.0.0.1 with an editor token,
and waits until /healthz answers and both worker processes hold connections.

After `--warmup` seconds of readers' load (not measured: a server in
service has its caches filled), for `--duration` seconds or
`--max-requests` requests, whichever ends first, `--clients` closed-loop
clients (no pause between requests) replay a
mix of what readers do: HTML search pages and /api/search with words,
phrases, OR / NOT, prefixes, section / person / organization / place
filters, dates, sorts and later pages; article pages and /api/articles/{id};
suggestions while typing; entity pages and /api/entities/...; facet value
lists (/api/facets/...); Atom feeds; the home page. Every value comes from
the index, so that the requests find something. A client keeps the ETags it
was sent and revalidates with If-None-Match, as a browser does (a 304 is a
success). Meanwhile an editor uploads one new article every
`--upload-interval` seconds through `POST /api/articles` (bearer token), each
with a unique id and a unique word, alternating between connections held by
the two worker processes, so that both workers' writers take turns at the
index's write lock.

Reported: throughput, p50/p95/p99 latency per kind of request and overall,
errors (any answer other than 2xx/304, any connection error or timeout) with
examples; the resident memory (VmRSS, and its peak VmHWM, from
/proc/PID/status) of each uvicorn worker sampled every second, with start,
end and maximum and a verdict on its growth over the second half of the run;
the CPU each worker and this client used. After the load, every upload that
was answered with success is looked up through each worker, by id
(/api/articles/{id}) and by its unique word (/api/search), so a lost or
invisible upload shows. The last line is one JSON object.

The client is this process (asyncio, one httpx AsyncClient with a pool of
`--clients` connections), apart from the server's processes; on the 2-core
build machine client and server share the two cores, so the throughput is
the pair's, and the client's CPU share is printed beside it. Linux only: it
reads /proc for the workers' memory and to tell which worker holds a
connection.

With `--profile SECONDS`, py-spy samples each worker (100 a second, idle
threads left out) for that long from the start of the measured window; the
raw stacks stay in the run's folder (kept) and the top functions by self
and inclusive time are printed after the table.

    .venv/bin/python bench/load.py [--clients 50] [--duration 60] [--cache DIR] [--profile 30]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx2 as httpx
import numpy as np
import uvloop
from lean_http import Answer, Connection

from indexer.embedded.index.build import update_index
from indexer.embedded.index.columns import split_names
from indexer.embedded.index.store import IndexLocation
from indexer.ingest.importers import import_corpus

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "load-bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENTITY_TYPES = ("person", "organization", "place")
FACETS = ("section", "person", "organization", "place", "year", "month")
# The share of each kind of request in the readers' mix (weights, not percentages).
MIX = {
    "search_html": 16,
    "api_search": 16,
    "article_html": 12,
    "api_article": 8,
    "suggest": 20,
    "api_entity": 4,
    "entity_html": 4,
    "api_facet": 6,
    "feed": 4,
    "home": 4,
}
# The most frequent title words are wire boilerplate ("says", "sees", "year"):
# skipped, like words of fewer than four letters.
COMMON_WORDS = 25
# Memory is "flat" when it grows less than this over the second half of the run.
FLAT_MB, FLAT_SHARE = 8.0, 0.03
# A connection idle this long is not used again (uvicorn closes them after 5 s).
IDLE_SECONDS = 2.0


# -- the site ----------------------------------------------------------------------


def prepare(corpora: Path, folder: Path) -> None:
    """The Reuters import in folder/corpus and its index in folder/index."""
    started = time.perf_counter()
    summary = import_corpus("reuters", corpora / "reuters21578", folder / "corpus")
    print(f"import reuters: {summary.written:,} articles", flush=True)
    report = update_index(IndexLocation(folder / "index"), folder / "corpus", rebuild=True)
    print(
        f"build: {report.indexed:,} articles in {report.seconds:.1f} s "
        f"(prepared in {time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    (folder / "prepared.json").write_text(json.dumps({"articles": report.indexed}))


def site(args: argparse.Namespace, work: Path) -> Path:
    """A fresh copy of the prepared corpus and index for this run."""
    run = work / "site"
    if args.cache is None:
        prepare(args.corpora, run)
        return run
    cache: Path = args.cache
    if not (cache / "prepared.json").exists():
        shutil.rmtree(cache / "corpus", ignore_errors=True)
        shutil.rmtree(cache / "index", ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        prepare(args.corpora, cache)
    else:
        print(f"reusing the prepared corpus and index in {cache}", flush=True)
    run.mkdir()
    # symlinks=True: the index's `current` pointer must stay a link to its generation.
    shutil.copytree(cache / "corpus", run / "corpus", symlinks=True)
    shutil.copytree(cache / "index", run / "index", symlinks=True)
    return run


# -- what readers ask for ----------------------------------------------------------


@dataclass
class Vocabulary:
    """Values taken from the index, so that the replayed requests match articles."""

    ids: list[str]
    words: list[str]
    phrases: list[str]
    sections: list[str]
    entities: dict[str, list[str]]
    months: list[str]
    articles: int

    @classmethod
    def of(cls, index: Path) -> Vocabulary:
        ids: list[str] = []
        words: Counter[str] = Counter()
        pairs: Counter[str] = Counter()
        sections: Counter[str] = Counter()
        entities: dict[str, Counter[str]] = {kind: Counter() for kind in ENTITY_TYPES}
        months: set[str] = set()
        ix = IndexLocation(index).open()
        try:
            with ix.searcher() as searcher:
                for stored in searcher.all_stored_fields():
                    ids.append(stored["id"])
                    title = re.findall(r"[a-z]+", stored.get("title", "").lower())
                    words.update({w for w in title if len(w) >= 4})
                    pairs.update(
                        f"{a} {b}" for a, b in itertools.pairwise(title) if min(len(a), len(b)) >= 4
                    )
                    if stored.get("section"):
                        sections[stored["section"]] += 1
                    for kind in ENTITY_TYPES:
                        entities[kind].update(split_names(stored.get(kind)))
                    months.add(stored.get("published_iso", "")[:7])
        finally:
            ix.close()
        return cls(
            ids=sorted(ids),
            words=[w for w, _ in words.most_common(400 + COMMON_WORDS)][COMMON_WORDS:],
            phrases=[p for p, _ in pairs.most_common(80)],
            sections=[s for s, _ in sections.most_common(40)],
            entities={kind: [n for n, _ in c.most_common(40)] for kind, c in entities.items()},
            months=sorted(m for m in months if re.fullmatch(r"\d{4}-\d{2}", m)),
            articles=len(ids),
        )


def search_params(rng: random.Random, v: Vocabulary) -> list[tuple[str, str]]:
    """A search as readers make them: mostly a word or two, often a filter, now and then more."""
    params: list[tuple[str, str]] = []
    roll = rng.random()
    word = rng.choice(v.words)
    if roll < 0.35:
        q = word
    elif roll < 0.50:
        q = f"{word} {rng.choice(v.words)}"
    elif roll < 0.60:
        q = f'"{rng.choice(v.phrases)}"'
    elif roll < 0.65:
        q = f"{word[: rng.randint(3, 5)]}*"
    elif roll < 0.70:
        q = f"{word} OR {rng.choice(v.words)}"
    elif roll < 0.75:
        q = f"{word} -{rng.choice(v.words)}"
    elif roll < 0.78:
        q = f"title:{word}"
    else:
        q = ""  # browsing by filters
    if q:
        params.append(("q", q))
    if rng.random() < 0.35 or not q:
        params.append(("section", rng.choice(v.sections)))
    for kind, share in (("place", 0.18), ("person", 0.08), ("organization", 0.08)):
        if rng.random() < share:
            for name in rng.sample(v.entities[kind], k=1 if rng.random() < 0.8 else 2):
                params.append((kind, name))
    if rng.random() < 0.15:
        low = rng.randrange(len(v.months))
        params.append(("from", v.months[low]))
        if rng.random() < 0.6:
            params.append(("to", v.months[min(len(v.months) - 1, low + rng.randint(0, 2))]))
    sort = rng.choices(["relevance", "newest", "oldest"], [70, 22, 8])[0]
    if sort != "relevance":
        params.append(("sort", sort))
    page = rng.choices([1, 2, 3, 4], [80, 12, 5, 3])[0]
    if page > 1:
        params.append(("page", str(page)))
    if rng.random() < 0.1:
        params.append(("per_page", rng.choice(["20", "50"])))
    return params


def reader_request(rng: random.Random, v: Vocabulary) -> tuple[str, str]:
    """(kind, path with query) of one reader request."""
    kind = rng.choices(list(MIX), list(MIX.values()))[0]
    if kind in ("search_html", "api_search", "feed"):
        base = {"search_html": "/search", "api_search": "/api/search", "feed": "/search.atom"}
        return kind, f"{base[kind]}?{urlencode(search_params(rng, v))}"
    if kind in ("article_html", "api_article"):
        article_id = quote(rng.choice(v.ids), safe="")
        if kind == "api_article":
            return kind, f"/api/articles/{article_id}"
        # Half the article views come from a search, whose words are then marked.
        reached = f"?{urlencode({'q': rng.choice(v.words)})}" if rng.random() < 0.5 else ""
        return kind, f"/articles/{article_id}{reached}"
    if kind == "suggest":
        text = rng.choice(v.words if rng.random() < 0.6 else v.entities[rng.choice(ENTITY_TYPES)])
        return kind, f"/api/suggest?{urlencode({'q': text[: rng.randint(2, 6)]})}"
    if kind in ("api_entity", "entity_html"):
        entity_type = rng.choice(ENTITY_TYPES)
        name = quote(rng.choice(v.entities[entity_type]), safe="")
        prefix = "/api/entities" if kind == "api_entity" else "/entities"
        return kind, f"{prefix}/{entity_type}/{name}"
    if kind == "api_facet":
        facet = rng.choice(FACETS)
        params = [(k, val) for k, val in search_params(rng, v) if k not in ("page", "per_page")]
        if facet in ENTITY_TYPES and rng.random() < 0.5:
            params.append(("prefix", rng.choice(v.entities[facet])[:2]))
        return kind, f"/api/facets/{facet}?{urlencode(params)}"
    return "home", "/"


# -- the server's processes --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes: the spawned children of `vindex serve`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry))
    return sorted(found)


MEMORY_FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def memory_kb(pid: int) -> dict[str, int] | None:
    """VmRSS, VmHWM, RssAnon and RssFile in kB, or None when the process is gone.

    RssFile is the pages of mapped files (Whoosh maps its segment files) that
    the process has touched; RssAnon is its own memory, where a leak shows.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = dict(re.findall(r"^(\w+):\s+(\d+) kB", status, re.MULTILINE))
    return {name: int(values.get(name, 0)) for name in MEMORY_FIELDS}


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (None when the process is gone)."""
    try:
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5); index 11 and 12 after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def minor_faults(pid: int) -> int:
    """The process's minor page faults so far (memory it touched afresh)."""
    fields = _stat(pid)
    # minflt is field 10 of stat(5); index 7 after the name.
    return int(fields[7]) if fields is not None else 0


def listening_sockets(port: int) -> int:
    """How many sockets listen on the port: one per worker, or one that they share."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return sum(int(row[1].split(":")[1], 16) == port and row[3] == "0A" for row in rows)


def connection_owners(port: int, pids: list[int]) -> dict[int, int]:
    """Client port -> worker pid, for the established connections to the server's port."""
    inodes: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote, state, inode = parts[1], parts[2], parts[3], parts[9]
        if state == "01" and int(local.split(":")[1], 16) == port:
            inodes[f"socket:[{inode}]"] = int(remote.split(":")[1], 16)
    owners: dict[int, int] = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target in inodes:
                owners[inodes[target]] = pid
    return owners


def client_port(response: httpx.Response) -> int | None:
    """The client's port of the response's connection (None: the server closed it)."""
    stream = response.extensions.get("network_stream")
    try:
        address = stream.get_extra_info("client_addr") if stream is not None else None
    except (OSError, ValueError):  # closed after the answer (webapp.balance); uvloop: ValueError
        return None
    return int(address[1]) if address else None


class Server:
    """`vindex serve --workers N` in a subprocess, logging into a file."""

    def __init__(self, folder: Path, workers: int) -> None:
        self.folder = folder
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.pids: list[int] = []

    def start(self, timeout: float = 120) -> None:
        script = Path(sys.executable).with_name("vindex")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "indexer.cli"]
        command += ["serve", "--index", str(self.folder / "index")]
        command += ["--corpus", str(self.folder / "corpus"), "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        env = {**os.environ, "VINDEX_EDITOR_TOKEN": TOKEN}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            self.pids = worker_pids(self.process.pid)
            if len(self.pids) == self.workers and self._healthy():
                # Each worker listens on a socket of its own (SO_REUSEPORT): the first
                # answers before the others listen. (A server whose workers share one
                # socket shows one: it goes on after 30 s.)
                listen_by = time.monotonic() + 30
                while listening_sockets(self.port) < self.workers:
                    if time.monotonic() > listen_by:
                        break
                    time.sleep(0.1)
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server is not ready: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # uvicorn's supervisor stops its workers
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_problems(self) -> list[str]:
        """Lines of the server's log that tell of a failure."""
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return [
            line
            for line in text.splitlines()
            if "Traceback" in line or re.search(r"\bERROR\b", line) or re.search(r'" 5\d\d\b', line)
        ]


class Pinned:
    """Clients of one connection each, filed by the worker process that accepted it.

    The kernel hands each new connection to either worker. To send a request
    to a given worker, a connection that worker accepted is taken (opened
    until one lands there); after each answer the connection's worker is
    looked up again, since one closed while idle is opened anew elsewhere.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        # Per worker: (client, when it was given back).
        self.idle: dict[int, list[tuple[httpx.AsyncClient, float]]] = {
            pid: [] for pid in server.pids
        }

    def owner(self, response: httpx.Response) -> int | None:
        port = client_port(response)
        return connection_owners(self.server.port, self.server.pids).get(port or -1)

    async def take(self, pid: int) -> httpx.AsyncClient:
        while self.idle[pid]:
            client, since = self.idle[pid].pop()  # the last given back first
            if time.monotonic() - since < IDLE_SECONDS:
                return client
            # uvicorn closes a connection idle for 5 s; a POST sent as it does so
            # fails (ReadError), and a POST is not sent again.
            await client.aclose()
        for _ in range(200):
            client = httpx.AsyncClient(
                base_url=self.server.url,
                timeout=60,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
            owner = self.owner(await client.get("/healthz"))
            if owner == pid:
                return client
            self.give_back(client, owner)
        raise RuntimeError(f"no connection reached worker {pid}")

    def give_back(self, client: httpx.AsyncClient, owner: int | None) -> None:
        if owner in self.idle:
            self.idle[owner].append((client, time.monotonic()))
        else:
            asyncio.get_running_loop().create_task(client.aclose())

    async def close(self) -> None:
        for clients in self.idle.values():
            for client, _ in clients:
                await client.aclose()
            clients.clear()


# -- the load ------------------------------------------------------------------------


@dataclass
class Record:
    kind: str
    started: float
    ms: float
    status: int  # 0: no answer (connection error or timeout)
    detail: str = ""


@dataclass
class Upload:
    number: int
    id: str
    word: str
    worker: int | None = None
    status: int = 0
    outcome: str = ""
    ms: float = 0.0
    error: str = ""


@dataclass
class Run:
    records: list[Record] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    # pid -> [(seconds since the start, {VmRSS: kB, ...})]
    memory: dict[int, list[tuple[float, dict[str, int]]]] = field(default_factory=dict)
    started: float = 0.0
    seconds: float = 0.0
    sent: int = 0
    warmup_failures: int = 0
    # Set when the readers are done (their time is up, or --max-requests were sent):
    # the editor and the memory sampler stop then too.
    readers_done: bool = False


# One GET of a reader: (path, headers) -> the answer.
Get = Callable[[str, dict[str, str]], Awaitable[Answer]]
# What a GET may raise when there is no answer.
NO_ANSWER = (httpx.HTTPError, OSError, asyncio.TimeoutError)


def httpx_get(client: httpx.AsyncClient) -> Get:
    async def get(path: str, headers: dict[str, str]) -> Answer:
        response = await client.get(path, headers=headers)
        return Answer(response.status_code, dict(response.headers), response.content)

    return get


async def reader(
    n: int,
    get: Get,
    vocabulary: Vocabulary,
    run: Run,
    stop_at: float,
    max_requests: int,
    seed: int,
) -> None:
    rng = random.Random(seed * 1000 + n)
    etags: dict[str, str] = {}
    while time.monotonic() < stop_at and run.sent < max_requests:
        run.sent += 1
        kind, path = reader_request(rng, vocabulary)
        headers = {"If-None-Match": etags[path]} if path in etags else {}
        started = time.monotonic()
        try:
            answer = await get(path, headers)
            status, detail = answer.status, ""
            if not (200 <= status < 300 or status == 304):
                text = answer.body[:300].decode("utf-8", "replace")
                detail = f"{path} -> {status}: {text}"
            elif "etag" in answer.headers:
                etags[path] = answer.headers["etag"]
        except NO_ANSWER as exc:
            status, detail = 0, f"{path} -> {type(exc).__name__}: {exc}"
        run.records.append(
            Record(kind, started - run.started, (time.monotonic() - started) * 1000, status, detail)
        )


def new_article(number: int, tag: str, word: str, v: Vocabulary) -> dict[str, Any]:
    rng = random.Random(number)
    prose = " ".join(rng.choices(v.words, k=40))
    return {
        "id": f"load-{tag}-{number:04d}",
        "title": f"{rng.choice(v.words).capitalize()} report {word}",
        "body": [f"The {word} dispatch: {prose}.", " ".join(rng.choices(v.words, k=30)) + "."],
        "published": datetime.now(UTC).isoformat(timespec="seconds"),
        "section": rng.choice(v.sections),
        "language": "en",
        "entities": {"place": [rng.choice(v.entities["place"])]},
    }


def unique_word(tag: str, number: int) -> str:
    """A word no article has: letters only (digits may be split off), no stemmable ending."""
    letters = ""
    while True:
        number, rest = divmod(number, 26)
        letters = string.ascii_lowercase[rest] + letters
        if not number:
            break
    return f"vx{tag}{letters}zq"


async def upload_one(
    upload: Upload, worker: int, pinned: Pinned, article: dict[str, Any], run: Run
) -> None:
    client = await pinned.take(worker)
    started = time.monotonic()
    owner: int | None = None
    try:
        response = await client.post("/api/articles", json=article, headers=AUTH)
        upload.status = response.status_code
        owner = upload.worker = pinned.owner(response)
        if response.status_code == 200:
            upload.outcome = response.json()["articles"][0]["status"]
        else:
            upload.error = response.text[:300]
    except httpx.HTTPError as exc:
        upload.error = f"{type(exc).__name__}: {exc}"
    upload.ms = (time.monotonic() - started) * 1000
    pinned.give_back(client, owner)
    detail = ""
    if upload.outcome != "created":
        detail = f"upload {upload.id} -> {upload.status} {upload.error or upload.outcome}"
    run.records.append(Record("upload", started - run.started, upload.ms, upload.status, detail))


async def editor(
    server: Server,
    pinned: Pinned,
    vocabulary: Vocabulary,
    run: Run,
    stop_at: float,
    interval: float,
    tag: str,
) -> list[asyncio.Task[None]]:
    """One upload every `interval` seconds, to each worker in turn, not waiting for answers."""
    tasks = []
    number = 0
    next_at = time.monotonic()
    while next_at < stop_at:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if run.readers_done:
            break
        number += 1
        word = unique_word(tag, number)
        article = new_article(number, tag, word, vocabulary)
        upload = Upload(number, article["id"], word)
        run.uploads.append(upload)
        worker = server.pids[number % len(server.pids)]
        tasks.append(asyncio.create_task(upload_one(upload, worker, pinned, article, run)))
        next_at += interval
    return tasks


async def sample_memory(server: Server, run: Run, stop_at: float) -> None:
    while True:
        now = time.monotonic()
        for pid in server.pids:
            found = memory_kb(pid)
            if found is not None:
                run.memory.setdefault(pid, []).append((now - run.started, found))
        if now >= stop_at or run.readers_done:
            return
        await asyncio.sleep(1.0 - (time.monotonic() - run.started) % 1.0)


async def verify(server: Server, run: Run, base_articles: int) -> dict[int, dict[str, Any]]:
    """Each answered upload through each worker, by id and by its unique word.

    One connection per worker, its requests one after another, so that they
    all reach that worker (checked again at the end).
    """
    pinned = Pinned(server)
    answered = [u for u in run.uploads if u.outcome == "created"]
    report: dict[int, dict[str, Any]] = {}
    for pid in server.pids:
        client = await pinned.take(pid)
        by_id = by_word = 0
        lost: list[str] = []
        for upload in answered:
            article = await client.get(f"/api/articles/{upload.id}")
            found_id = article.status_code == 200 and article.json()["article"]["id"] == upload.id
            search = await client.get("/api/search", params={"q": upload.word})
            hits = search.json().get("hits", []) if search.status_code == 200 else []
            found_word = [h["id"] for h in hits] == [upload.id]
            by_id += found_id
            by_word += found_word
            if not (found_id and found_word):
                lost.append(f"{upload.id} ({upload.word}): by id {found_id}, by word {found_word}")
        health = await client.get("/healthz")
        report[pid] = {
            "answered": len(answered),
            "found_by_id": by_id,
            "found_by_word": by_word,
            "lost": lost[:5],
            "articles": health.json().get("articles"),
            "articles_expected": base_articles + len(answered),
            "same_worker": pinned.owner(health) == pid,
        }
        await client.aclose()
    await pinned.close()
    return report


async def load(
    args: argparse.Namespace, server: Server, vocabulary: Vocabulary, work: Path
) -> tuple[Run, dict[int, dict[str, Any]], dict[str, Any]]:
    run = Run()
    pinned = Pinned(server)
    for pid in server.pids:  # one connection to each worker before the clock starts
        pinned.give_back(await pinned.take(pid), pid)
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    client = httpx.AsyncClient(base_url=server.url, timeout=args.timeout, limits=limits)
    tag = "".join(random.Random().choices(string.ascii_lowercase, k=4))
    if args.warmup > 0:
        # Readers only, not measured: a server in service has its caches filled, and
        # the memory verdict is about what the measured minute adds to that. Each
        # worker gets its share through connections it holds (the kernel may give
        # one worker all of a pool's new connections).
        warm = Run(started=time.monotonic())
        warm_until = warm.started + args.warmup
        held = [(pid, await pinned.take(pid)) for pid in server.pids for _ in range(4)]
        await asyncio.gather(
            *(
                reader(
                    n,
                    httpx_get(pinned_client),
                    vocabulary,
                    warm,
                    warm_until,
                    args.max_requests,
                    args.seed + 1,
                )
                for n, (_pid, pinned_client) in enumerate(held)
            )
        )
        for pid, pinned_client in held:
            pinned.give_back(pinned_client, pid)
        failed = sum(not (200 <= r.status < 300 or r.status == 304) for r in warm.records)
        print(f"warm-up: {len(warm.records)} requests in {args.warmup:.0f} s, {failed} failed")
        run.warmup_failures = failed
    cpu_before = {pid: cpu_seconds(pid) for pid in server.pids}
    faults_before = {pid: minor_faults(pid) for pid in server.pids}
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    run.started = time.monotonic()
    stop_at = run.started + args.duration
    sampler = asyncio.create_task(sample_memory(server, run, stop_at))
    profilers = start_profiles(server, work, args.profile, gil=args.gil) if args.profile else []
    uploads = asyncio.create_task(
        editor(server, pinned, vocabulary, run, stop_at, args.upload_interval, tag)
    )
    if args.client == "lean":
        # A connection per reader, as each browser has its own (bench/lean_http.py).
        lean = [Connection("127.0.0.1", server.port, args.timeout) for _ in range(args.clients)]
        gets: list[Get] = [connection.get for connection in lean]
    else:
        gets = [httpx_get(client)] * args.clients
    await asyncio.gather(
        *(
            reader(n, get, vocabulary, run, stop_at, args.max_requests, args.seed)
            for n, get in enumerate(gets)
        )
    )
    run.seconds = time.monotonic() - run.started
    run.readers_done = True
    connections = Counter(connection_owners(server.port, server.pids).values())
    # The editor stops at the same time; uploads still in flight are waited for.
    for task in await asyncio.wait_for(uploads, timeout=args.timeout):
        await task
    await sampler
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    for profiler in profilers:
        await asyncio.to_thread(profiler.wait)
    cpu = {
        "seconds": round(run.seconds, 1),
        "workers": {pid: round(cpu_seconds(pid) - cpu_before[pid], 1) for pid in server.pids},
        "faults": sum(minor_faults(pid) - faults_before[pid] for pid in server.pids),
        "client": round(
            usage_after.ru_utime
            + usage_after.ru_stime
            - usage_before.ru_utime
            - usage_before.ru_stime,
            1,
        ),
        "connections": {pid: connections.get(pid, 0) for pid in server.pids},
    }
    await client.aclose()
    if args.client == "lean":
        for connection in lean:
            await connection.close()
    await pinned.close()
    base = vocabulary.articles
    return run, await verify(server, run, base), cpu


# -- profiles ------------------------------------------------------------------------

# py-spy's samples per second: enough for a minute's profile, little of a core.
PROFILE_RATE = 100


def start_profiles(
    server: Server, work: Path, seconds: float, *, gil: bool = False
) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each worker from now on for `seconds`, raw stacks into `work`.

    Idle threads are left out (py-spy's default): the figures are shares of the
    time the worker's threads were on a core or waiting for the GIL or a lock.
    With `gil`, only the thread holding the GIL is sampled: the shares are of
    the Python code's own CPU, without the waits.
    """
    spy = Path(sys.executable).with_name("py-spy")
    command = str(spy) if spy.exists() else shutil.which("py-spy")
    if command is None:
        raise SystemExit("--profile needs py-spy: pip install -e '.[bench]'")
    # --nonblocking: py-spy otherwise stops the worker for every sample, and a
    # stopped worker served half the requests it served unwatched (151 against
    # 259 requests/s in 20 s runs with uploads).
    options = ["record", "--nonblocking", "--format", "raw", "--rate", str(PROFILE_RATE)]
    options += ["--duration", str(max(1, round(seconds)))]
    if gil:
        options.append("--gil")
    return [
        subprocess.Popen(
            [command, *options, "--pid", str(pid), "--output", str(work / f"profile-{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in server.pids
    ]


def profile_tops(raw: Path) -> tuple[int, Counter[str], Counter[str]]:
    """Samples, and the samples in which each function ran itself (self) or was on the stack."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    return total, own, inclusive


def print_profile(raw: Path, top: int = 15) -> None:
    total, own, inclusive = profile_tops(raw)
    print(f"\n== profile of worker {raw.stem.removeprefix('profile-')}: {total} samples, {raw} ==")
    if not total:
        return
    for title, counts in (("self", own), ("inclusive", inclusive)):
        print(f"-- {title}")
        shown = [(f, n) for f, n in counts.most_common(top * 3) if not f.startswith("process ")]
        for frame, n in shown[:top]:
            print(f"{100 * n / total:5.1f}%  {frame[:140]}")


# -- the report ----------------------------------------------------------------------


def percentiles(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0}
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {
        "n": len(ms),
        "p50": round(float(p50), 1),
        "p95": round(float(p95), 1),
        "p99": round(float(p99), 1),
    }


def memory_verdict(samples: list[tuple[float, dict[str, int]]], seconds: float) -> dict[str, Any]:
    """Start, end and max RSS, the peak (VmHWM), and the growth over the second half.

    The growth compares the lowest sample of the last few seconds with the
    lowest of as many seconds around the middle: a request in flight, or
    a new index state being read, lifts single samples by a hundred MB and
    more for a moment, while what is never given back lifts the floor. The
    verdict is on the whole RSS, and on its anonymous part alone (a leak
    grows that one; RssFile is the pages of the index's files).
    """
    window = min(10.0, max(5.0, seconds / 6))

    def mb(name: str) -> list[tuple[float, float]]:
        return [(t, values[name] / 1024) for t, values in samples]

    def growth(series: list[tuple[float, float]]) -> tuple[float, float]:
        middle = [v for t, v in series if abs(t - seconds / 2) <= window / 2] or [series[0][1]]
        last = [v for t, v in series if t >= seconds - window] or [series[-1][1]]
        return min(middle), min(last) - min(middle)

    rss, anon = mb("VmRSS"), mb("RssAnon")
    rss_mid, rss_growth = growth(rss)
    anon_mid, anon_growth = growth(anon)
    return {
        "rss_start_mb": round(rss[0][1], 1),
        "rss_mid_mb": round(rss_mid, 1),
        "rss_end_mb": round(rss[-1][1], 1),
        "rss_max_mb": round(max(v for _, v in rss), 1),
        "hwm_end_mb": round(samples[-1][1]["VmHWM"] / 1024, 1),
        "anon_end_mb": round(anon[-1][1], 1),
        "file_end_mb": round(samples[-1][1]["RssFile"] / 1024, 1),
        "growth_second_half_mb": round(rss_growth, 1),
        "anon_growth_second_half_mb": round(anon_growth, 1),
        "samples": len(samples),
        # The lowest RSS of each ten seconds: the floor a leak would lift.
        "rss_floor_every_10s_mb": [
            round(min(v for t, v in rss if start <= t < start + 10), 1)
            for start in range(0, int(seconds) - 9, 10)
            if any(start <= t < start + 10 for t, _ in rss)
        ],
        "flat": rss_growth < max(FLAT_MB, FLAT_SHARE * rss_mid),
        "anon_flat": anon_growth < max(FLAT_MB, FLAT_SHARE * anon_mid),
    }


def summarise(
    args: argparse.Namespace,
    run: Run,
    verified: dict[int, dict[str, Any]],
    cpu: dict[str, Any],
    server: Server,
    load_before: tuple[float, float, float],
) -> dict[str, Any]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: list[Record] = []
    not_modified = 0
    for record in run.records:
        by_kind[record.kind].append(record.ms)
        if record.detail or record.status == 0:
            errors.append(record)
        not_modified += record.status == 304
    overall = percentiles([r.ms for r in run.records])
    kinds = {kind: percentiles(ms) for kind, ms in sorted(by_kind.items())}
    memory = {pid: memory_verdict(s, run.seconds) for pid, s in sorted(run.memory.items())}
    throughput = len(run.records) / run.seconds if run.seconds else 0.0
    answered = [u for u in run.uploads if u.outcome == "created"]
    upload_workers = Counter(u.worker for u in answered)
    error_kinds = Counter(f"{r.kind} {r.status or 'no answer'}" for r in errors)
    problems = server.log_problems()
    lost = sum(len(answered) - min(v["found_by_id"], v["found_by_word"]) for v in verified.values())

    print(f"\n== load: {args.clients} clients, {run.seconds:.1f} s, {args.workers} workers ==")
    print(
        f"machine load before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} "
        f"(1-minute averages; {os.cpu_count()} cores)"
    )
    print(
        f"requests: {len(run.records):,} ({not_modified:,} answered 304), "
        f"{throughput:.1f} requests/s"
    )
    print(
        f"overall latency: p50 {overall['p50']} ms, p95 {overall['p95']} ms, "
        f"p99 {overall['p99']} ms"
    )
    print(f"  {'kind':<13} {'n':>7} {'p50':>8} {'p95':>8} {'p99':>8}  (ms)")
    for kind, p in kinds.items():
        print(f"  {kind:<13} {p['n']:>7} {p['p50']:>8} {p['p95']:>8} {p['p99']:>8}")
    print(f"errors: {len(errors)}" + (f" ({dict(error_kinds)})" if errors else ""))
    for record in errors[:8]:
        print(f"  at {record.started:.1f} s, {record.ms:.0f} ms: {record.detail[:240]}")
    cpu_share = {pid: round(100 * s / run.seconds) for pid, s in cpu["workers"].items()}
    print(
        f"cpu: workers {cpu_share} % of a core, client {100 * cpu['client'] / run.seconds:.0f} %; "
        f"reader connections per worker {cpu['connections']}"
    )
    # Per request, figures that depend less on what else the machine runs than throughput.
    served = max(1, len(run.records))
    print(
        f"per request: workers' CPU {1000 * sum(cpu['workers'].values()) / served:.2f} ms, "
        f"client's {1000 * cpu['client'] / served:.2f} ms, "
        f"workers' minor page faults {cpu['faults'] / served:.0f}"
    )
    for pid, m in memory.items():
        print(
            f"worker {pid}: RSS start {m['rss_start_mb']} MB, max {m['rss_max_mb']} MB, "
            f"end {m['rss_end_mb']} MB (HWM {m['hwm_end_mb']} MB; at the end "
            f"{m['anon_end_mb']} MB anonymous, {m['file_end_mb']} MB mapped files); "
            f"second half {m['growth_second_half_mb']:+.1f} MB: "
            f"{'flat' if m['flat'] else 'GROWING'}, anonymous "
            f"{m['anon_growth_second_half_mb']:+.1f} MB: "
            f"{'flat' if m['anon_flat'] else 'GROWING'}"
        )
        print(f"  lowest RSS of each 10 s (MB): {m['rss_floor_every_10s_mb']}")
    upload_ms = [u.ms for u in answered]
    print(
        f"uploads: {len(run.uploads)} sent, {len(answered)} answered 'created' "
        f"(by worker {dict(upload_workers)}), p50 {percentiles(upload_ms)['p50']} ms"
    )
    for pid, v in verified.items():
        print(
            f"  through worker {pid}: {v['found_by_id']}/{v['answered']} found by id, "
            f"{v['found_by_word']}/{v['answered']} by their word; /healthz counts "
            f"{v['articles']} articles, expected {v['articles_expected']}"
        )
        for line in v["lost"]:
            print(f"    missing: {line}")
    print(f"server log: {len(problems)} lines telling of failures")
    for line in problems[:5]:
        print(f"  {line[:240]}")

    return {
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(run.seconds, 1),
        "requests": len(run.records),
        "requests_per_s": round(throughput, 1),
        "p50_ms": overall["p50"],
        "p95_ms": overall["p95"],
        "p99_ms": overall["p99"],
        "kinds": kinds,
        "errors": len(errors),
        "warmup_errors": run.warmup_failures,
        "error_examples": [r.detail[:300] for r in errors[:5]],
        "not_modified": not_modified,
        "uploads_sent": len(run.uploads),
        "uploads_answered": len(answered),
        "uploads_lost": lost,
        "uploads_by_worker": {str(k): v for k, v in upload_workers.items()},
        "verified": {str(k): {**v, "lost": len(v["lost"])} for k, v in verified.items()},
        "memory": {str(k): v for k, v in memory.items()},
        "memory_flat": all(m["flat"] for m in memory.values()),
        "cpu_seconds": {
            "workers": {str(k): v for k, v in cpu["workers"].items()},
            "client": cpu["client"],
        },
        "worker_cpu_ms_per_request": round(
            1000 * sum(cpu["workers"].values()) / max(1, len(run.records)), 2
        ),
        "worker_faults_per_request": round(cpu["faults"] / max(1, len(run.records))),
        "server_log_problems": len(problems),
        "load_before": round(load_before[0], 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=200_000, help="reader requests at most")
    parser.add_argument(
        "--upload-interval", type=float, default=1.0, help="seconds between uploads"
    )
    parser.add_argument(
        "--warmup", type=float, default=15.0, help="seconds of readers' load before measuring"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--client",
        choices=("lean", "httpx"),
        default="lean",
        help="the measured readers' HTTP client: bench/lean_http.py, or httpx's pool",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a request may take")
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--cache", type=Path, help="prepare the corpus and index here, once")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder and log")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument(
        "--profile",
        type=float,
        metavar="SECONDS",
        help="py-spy each worker for SECONDS of the measured window (raw stacks kept)",
    )
    parser.add_argument(
        "--gil", action="store_true", help="--profile samples only the thread holding the GIL"
    )
    args = parser.parse_args()
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1 or args.workers < 1:
        parser.error("--clients, --duration, --max-requests and --workers must be positive")
    if args.upload_interval <= 0:
        parser.error("--upload-interval must be positive")
    if args.profile is not None and not 0 < args.profile <= args.duration:
        parser.error("--profile must be positive and at most --duration")
    if args.profile is not None:
        args.keep = True  # the raw stacks are in the run's folder

    work = Path(tempfile.mkdtemp(prefix="vindex-load-"))
    server: Server | None = None
    try:
        folder = site(args, work)
        vocabulary = Vocabulary.of(folder / "index")
        server = Server(folder, args.workers)
        load_before = os.getloadavg()
        server.start()
        print(f"server on {server.url}, workers {server.pids}", flush=True)
        # The client's loop on libuv too (a dependency of the server): less of the two
        # cores for the load generator.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            run, verified, cpu = runner.run(load(args, server, vocabulary, work))
        server.stop()
        result = summarise(args, run, verified, cpu, server, load_before)
        for raw in sorted(work.glob("profile-*.txt")):
            print_profile(raw)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result), flush=True)
    # Memory is reported, not judged here: a run of a minute is too short to tell
    # a cache filling up to its bound (the highlighter's) from a leak.
    ok = result["errors"] == 0 and result["warmup_errors"] == 0 and result["uploads_lost"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
