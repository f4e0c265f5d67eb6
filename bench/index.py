"""Benchmark: building the index against SQLite FTS5 and tantivy, at 100,000 and 1,000,000 articles.

The corpus is bench/search.py's synthetic archive (`scale` of the Reuters-21578
import, written by `write_corpus` as JSON Lines files of 1,000 articles), at
each `--n` (default 100,000 and 1,000,000). Each engine builds it from the
files, end to end, in a process of its own, `--runs` times (default 3, and 1 at
1,000,000 and over), interleaved so that all see the same load:

- Vindex: `vindex index --rebuild --index DIR --corpus DIR`, the CLI, with
  parsing, language detection and entity extraction (one worker per core);
- SQLite FTS5: bench/search.py's `build_fts5` (the same tables, indexes and
  `optimize`), in a child that reads the JSON Lines itself; the articles' own
  entities, as FTS5 extracts none;
- tantivy (the `bench` extra; skipped when it is not installed): title, lead
  and body as stemmed text with positions, stored; the id, language, source
  and entities as raw strings (stored, fast), the section as a facet, the date
  as a date; its bulk writer with one thread per core, fed by a child that
  reads the JSON Lines itself.

Per engine: articles/s (the median run: n over the child's wall time,
interpreter start-up included), peak memory (the largest sum over the child
and all its descendants, sampled every 50 ms with psutil, of the resident set
sizes, RSS, and of the proportional set sizes, PSS, where a page shared by
forked workers counts once in all; not measured without psutil; PSS only on
Linux), and the size on disk of what it built.
Then the ratios Vindex / peer (for articles/s and memory, below 1 is less).

At the sizes up to 100,000 it also times, on the last Vindex index, what an
editor waits for: `vindex index` with nothing changed, after one file of 1,000
articles had one article rewritten, and after a file was copied in place (new
time, same bytes: nothing should be indexed); then a real `vindex serve`: its
start until /healthz answers, and `--uploads` one-article `POST /api/articles`
(bench/upload.py's token and port), each answered once it is indexed.

Corpora are generated into a temporary folder and removed; `--keep DIR` keeps
them as DIR/c100k, DIR/c1m (~1 GB), and reuses them on the next run (so
`--keep /tmp` reads /tmp/c100k; a kept corpus must hold n articles). Vindex
builds from a copy of hard links, so that the update steps, which replace
files, never write into a kept corpus.
`--dataset reuters` (or bbc, gnad) builds a research corpus's import instead,
at its own size. A build whose memory passes `--memory-limit` (60% of the
machine's by default) is stopped and reported as such: the machine is shared.
A table comes last, then one JSON line.

    .venv/bin/python bench/index.py [--n 100000] [--n 1000000] [--runs R] [--keep DIR]
        [--engines vindex,fts5,tantivy] [--uploads 5] [--memory-limit GB] [--dataset reuters]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
from search import CHUNK, ENTITY_TYPES, SECTION_SEPARATOR, load_articles, scale, write_corpus
from upload import TOKEN, free_port

from indexer.embedded.index.store import IndexLocation
from indexer.ingest.importers import import_corpus

ROOT = Path(__file__).resolve().parents[1]
SIZES = (100_000, 1_000_000)
# One run at a million articles: a Vindex build there takes many minutes.
BIG = 1_000_000
# The editor's waits are the targets at 100,000 articles.
UPDATES_UP_TO = 100_000
SAMPLE_S = 0.05
ENGINES = ("vindex", "fts5", "tantivy")
# `--dataset`: a research corpus's import instead of the synthetic archive.
DATASETS = {"reuters": "reuters21578", "bbc": "bbc-news", "gnad": "10kgnad"}
CORES = os.cpu_count() or 1
# The default memory limit of a build, as a share of the machine's: the
# machine is shared, and a build that would need more must not take it all.
MEMORY_SHARE = 0.6


# -- the corpus ------------------------------------------------------------------


def corpus_name(n: int) -> str:
    """c10k, c100k, c1m: the names the kept corpora of this machine go by."""
    if n % 1_000_000 == 0:
        return f"c{n // 1_000_000}m"
    return f"c{n // 1000}k" if n % 1000 == 0 else f"c{n}"


def count_articles(corpus: Path) -> int:
    count = 0
    for path in corpus.glob("*.jsonl"):
        with path.open("rb") as handle:
            count += sum(1 for line in handle if line.strip())
    return count


class Base:
    """The articles the archive is recombined from, read once and only when a corpus is made."""

    def __init__(self, corpora: Path, given: Path | None, work: Path) -> None:
        self.corpora, self.given, self.work = corpora, given, work
        self._articles: list[dict[str, Any]] | None = None

    def articles(self) -> list[dict[str, Any]]:
        if self._articles is None:
            folder = self.given
            if folder is None:
                folder = self.work / "reuters"
                started = time.perf_counter()
                summary = import_corpus("reuters", self.corpora / "reuters21578", folder)
                print(
                    f"import reuters: {summary.written:,} articles in "
                    f"{time.perf_counter() - started:.1f} s",
                    flush=True,
                )
            self._articles = load_articles(folder)
        return self._articles


def corpus_for(n: int, base: Base, keep: Path | None, work: Path) -> Path:
    """The archive of n articles: a kept one when there is one, else made (and kept if asked)."""
    home = keep if keep is not None else work
    target = home / corpus_name(n)
    if target.is_dir():
        found = count_articles(target)
        if found != n:
            raise SystemExit(f"{target} holds {found:,} articles, not {n:,}: remove it")
        print(f"corpus: {target} ({n:,} articles, kept)", flush=True)
        return target
    started = time.perf_counter()
    articles = scale(base.articles(), n)
    # Made beside the target and renamed, so that an interrupted run keeps no half corpus.
    partial = home / f".{corpus_name(n)}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    files = write_corpus(articles, partial)
    del articles
    partial.rename(target)
    print(
        f"corpus: {n:,} articles in {files} files, {folder_bytes(target) / 1e6:.0f} MB "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return target


def imported(dataset: str, corpora: Path, work: Path) -> Path:
    """A research dataset's import (Reuters-21578, BBC News, 10kGNAD), at its own size."""
    target = work / dataset
    started = time.perf_counter()
    summary = import_corpus(dataset, corpora / DATASETS[dataset], target)
    print(
        f"import {dataset}: {summary.written:,} articles in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return target


def linked_copy(corpus: Path, target: Path) -> Path:
    """The corpus as hard links (a copy where they cannot be made).

    The update steps replace files by renaming over them, which leaves the
    linked original as it was.
    """
    target.mkdir()
    for path in sorted(corpus.glob("*.jsonl")):
        try:
            os.link(path, target / path.name)
        except OSError:
            shutil.copy2(path, target / path.name)
    return target


def iter_articles(corpus: Path) -> Iterator[dict[str, Any]]:
    """The corpus's articles, file by file, never all in memory (a peer's own reading)."""
    for path in sorted(corpus.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


# -- the peers' builds, each run in a child of its own (`--peer`) ------------------


def build_fts5_child(corpus: Path, out: Path) -> None:
    from search import build_fts5

    # build_fts5 only iterates over the articles: streamed, as the files are read.
    build_fts5(iter_articles(corpus), out)  # type: ignore[arg-type]


def build_tantivy_child(corpus: Path, out: Path) -> None:
    import tantivy  # the `bench` extra: `make bench` installs it
    from search_tantivy import text_document

    schema = tantivy.SchemaBuilder()
    for name in ("id", "language", "source", *ENTITY_TYPES):
        schema.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    for name in ("title", "lead", "body"):
        schema.add_text_field(name, stored=True, tokenizer_name="en_stem", index_option="position")
    schema.add_facet_field("section")
    schema.add_date_field("published", stored=True, indexed=True, fast=True)
    out.mkdir()
    index = tantivy.Index(schema.build(), path=str(out))
    writer = index.writer(num_threads=CORES)
    for data in iter_articles(corpus):
        doc = text_document(data)
        for name in ("language", "source"):
            if data.get(name):
                doc.add_text(name, data[name])
        if data.get("section"):
            path = "/" + "/".join(data["section"].split(SECTION_SEPARATOR))
            doc.add_facet("section", tantivy.Facet.from_string(path))
        for kind in ENTITY_TYPES:
            for name in data.get("entities", {}).get(kind, []):
                doc.add_text(kind, name)
        doc.add_date("published", datetime.fromisoformat(data["published"]))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()


PEERS = {"fts5": build_fts5_child, "tantivy": build_tantivy_child}


def tantivy_installed() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


# -- measuring a child -------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    peak_rss: int | None
    peak_pss: int | None
    output: str
    # Stopped for going over the memory limit: the figures are up to then.
    stopped: bool = False


def tree_memory(pid: int) -> tuple[int, int | None]:
    """The RSS and the PSS (None where the system has none) summed over a process tree."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, None
    rss, pss = 0, 0
    proportional = True
    for process in processes:
        # One may end between the listing and the reading.
        with contextlib.suppress(psutil.Error):
            full = process.memory_full_info()
            rss += full.rss
            if hasattr(full, "pss"):
                pss += full.pss
            else:
                proportional = False
    return rss, pss if proportional else None


def psutil_installed() -> bool:
    try:
        import psutil  # noqa: F401
    except ImportError:
        return False
    return True


def kill_tree(pid: int) -> None:
    import psutil

    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for process in [*root.children(recursive=True), root]:
            with contextlib.suppress(psutil.Error):
                process.kill()


def run_child(
    command: Sequence[str], log: Path, limit: int | None = None, env: dict[str, str] | None = None
) -> Measured:
    """Run a command to its end: its wall time, its process tree's peak memory, its output.

    A tree whose memory (PSS, else RSS) goes over `limit` bytes is killed: on
    a shared machine a build that would take all its memory must not.
    """
    sampling = psutil_installed()
    with log.open("wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env)
        peak_rss = 0
        peak_pss: int | None = None
        stopped = False
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_rss, peak_pss, stopped
            while True:
                rss, pss = tree_memory(child.pid)
                peak_rss = max(peak_rss, rss)
                if pss is not None:
                    peak_pss = max(peak_pss or 0, pss)
                if limit and (rss if pss is None else pss) > limit:
                    stopped = True
                    kill_tree(child.pid)
                    return
                if done.wait(SAMPLE_S):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        if sampling:
            sampler.start()
        code = child.wait()
        seconds = time.perf_counter() - started
        done.set()
        if sampling:
            sampler.join()
    output = log.read_text(encoding="utf-8", errors="replace")
    if code != 0 and not stopped:
        raise SystemExit(f"{' '.join(command)} failed ({code}):\n{output[-2000:]}")
    return Measured(seconds, peak_rss if sampling else None, peak_pss, output, stopped)


def vindex_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("vindex")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "webapp.cli", *args]


def summary_line(output: str) -> str:
    """The CLI's own summary (its last line; a progress bar only shows on a terminal)."""
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def build(
    engine: str, corpus: Path, out: Path, log: Path, limit: int | None
) -> tuple[Measured, int]:
    """One build of the corpus into `out`: the measurement and the size built."""
    if engine == "vindex":
        command = vindex_command("index", "--rebuild", "--index", str(out), "--corpus", str(corpus))
        measured = run_child(command, log, limit)
        size = 0 if measured.stopped else IndexLocation(out).size_bytes()
        return measured, size
    command = [sys.executable, __file__, "--peer", engine, str(corpus), str(out)]
    measured = run_child(command, log, limit)
    if measured.stopped or not out.exists():
        return measured, 0
    return measured, out.stat().st_size if out.is_file() else folder_bytes(out)


@dataclass
class EngineResult:
    engine: str
    runs: list[float] = field(default_factory=list)  # articles/s of each run
    peak_rss: list[int] = field(default_factory=list)
    peak_pss: list[int] = field(default_factory=list)
    index_bytes: int = 0
    # The memory at which a run was stopped (over --memory-limit); no more runs then.
    stopped_at: int | None = None

    @property
    def articles_per_s(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def peak_rss_bytes(self) -> int | None:
        return max(self.peak_rss) if self.peak_rss else None

    @property
    def peak_pss_bytes(self) -> int | None:
        return max(self.peak_pss) if self.peak_pss else None

    def to_dict(self) -> dict[str, Any]:
        rate = self.articles_per_s
        return {
            "articles_per_s": None if rate is None else round(rate, 1),
            "stopped_at_bytes": self.stopped_at,
            "runs": [round(r, 1) for r in self.runs],
            "peak_rss_bytes": self.peak_rss_bytes,
            "peak_pss_bytes": self.peak_pss_bytes,
            "index_bytes": self.index_bytes,
        }


# -- an editor's waits on the built Vindex index ------------------------------------


@dataclass
class Updates:
    unchanged_s: float
    changed_file_s: float
    changed_file: str
    copied_file_s: float
    copied_file: str
    server_ready_s: float
    upload_first_ms: float
    upload_median_ms: float
    uploads: int


def replace_file(path: Path, data: bytes, mtime_after: float) -> None:
    """Write a file anew (a new inode, leaving a hard-linked original alone), newer than it was."""
    fresh = path.with_name(f".{path.name}.new")
    fresh.write_bytes(data)
    moment = max(time.time(), mtime_after + 1)
    os.utime(fresh, (moment, moment))
    os.replace(fresh, path)


def timed_update(index: Path, corpus: Path, log: Path) -> tuple[float, str]:
    command = vindex_command("index", "--index", str(index), "--corpus", str(corpus))
    measured = run_child(command, log)
    return measured.seconds, summary_line(measured.output)


def measure_updates(index: Path, corpus: Path, work: Path, uploads: int) -> Updates:
    files = sorted(corpus.glob("*.jsonl"))
    log = work / "update.log"
    unchanged_s, said = timed_update(index, corpus, log)
    print(f"  update, nothing changed: {unchanged_s:.2f} s ({said})", flush=True)

    # One article of a file rewritten: its title corrected, as an editor would.
    changed = files[len(files) // 2]
    lines = changed.read_bytes().splitlines()
    article = json.loads(lines[0])
    article["title"] += " (corrected)"
    lines[0] = json.dumps(article, ensure_ascii=False).encode()
    replace_file(changed, b"\n".join(lines) + b"\n", changed.stat().st_mtime)
    changed_s, changed_said = timed_update(index, corpus, log)
    print(f"  update, one article of {changed.name} changed: {changed_s:.2f} s ({changed_said})")

    # A file copied over itself: a new time, the same bytes.
    copied = files[(len(files) // 2 + 1) % len(files)]
    replace_file(copied, copied.read_bytes(), copied.stat().st_mtime)
    copied_s, copied_said = timed_update(index, corpus, log)
    print(f"  update, {copied.name} copied in place: {copied_s:.2f} s ({copied_said})", flush=True)

    ready_s, first_ms, median_ms = time_uploads(index, corpus, work, article, uploads)
    print(
        f"  server ready in {ready_s:.1f} s; one-article upload: first {first_ms:.0f} ms, "
        f"median of {uploads} {median_ms:.0f} ms",
        flush=True,
    )
    return Updates(
        unchanged_s=round(unchanged_s, 3),
        changed_file_s=round(changed_s, 3),
        changed_file=changed_said,
        copied_file_s=round(copied_s, 3),
        copied_file=copied_said,
        server_ready_s=round(ready_s, 2),
        upload_first_ms=round(first_ms, 1),
        upload_median_ms=round(median_ms, 1),
        uploads=uploads,
    )


def time_uploads(
    index: Path, corpus: Path, work: Path, template: dict[str, Any], count: int
) -> tuple[float, float, float]:
    """A real server on the index: seconds until /healthz answers, then one-article uploads (ms)."""
    port = free_port()
    env = {**os.environ, "VINDEX_EDITOR_TOKEN": TOKEN}
    command = vindex_command(
        "serve", "--index", str(index), "--corpus", str(corpus), "--port", str(port)
    )
    log = open(work / "server.log", "wb")  # noqa: SIM115 (closed after the server)
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=None) as client:
            ready_s = wait_ready(client, server, started)
            headers = {"Authorization": f"Bearer {TOKEN}"}
            times: list[float] = []
            for number in range(1, count + 1):
                article = {
                    key: template[key]
                    for key in ("title", "body", "published", "section", "language")
                    if key in template
                }
                article["id"] = f"bench-upload-{os.getpid()}-{number}"
                article["title"] = f"{template['title']} (upload {number})"
                sent = time.perf_counter()
                answer = client.post("/api/articles", json=article, headers=headers)
                times.append((time.perf_counter() - sent) * 1000)
                if answer.status_code != 200 or answer.json().get("created") != 1:
                    raise SystemExit(f"upload failed: {answer.status_code} {answer.text[:500]}")
    finally:
        server.terminate()
        server.wait(60)
        log.close()
    return ready_s, times[0], statistics.median(times)


def wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], started: float) -> float:
    # Generous: the start-up check may have a whole corpus to read again (the case).
    deadline = started + 1800
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"vindex serve ended ({server.returncode}) before answering")
        try:
            if client.get("/healthz", timeout=5).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit("vindex serve did not answer /healthz within 30 minutes")


# -- one size ---------------------------------------------------------------------


def bench_size(
    n: int,
    corpus: Path,
    work: Path,
    engines: Sequence[str],
    runs: int,
    uploads: int,
    limit: int | None,
) -> dict[str, Any]:
    print(f"\n== n = {n:,}: {', '.join(engines)}, {runs} run(s) each ==", flush=True)
    folder = work / f"run-{n}"
    folder.mkdir()
    # Vindex reads (and its update steps replace) files of a linked copy of the corpus.
    linked = linked_copy(corpus, folder / "corpus")
    results = {engine: EngineResult(engine) for engine in engines}
    kept_index: Path | None = None
    for run in range(1, runs + 1):
        # Interleaved: a shared machine's load falls on every engine alike.
        for engine in engines:
            result = results[engine]
            if result.stopped_at is not None:
                continue
            out = folder / f"{engine}-{run}"
            source = linked if engine == "vindex" else corpus
            measured, size = build(engine, source, out, folder / f"{engine}.log", limit)
            if measured.stopped:
                result.stopped_at = measured.peak_pss or measured.peak_rss
                print(
                    f"run {run} {engine}: stopped after {measured.seconds:.1f} s at "
                    f"{megabytes(result.stopped_at)} (over --memory-limit)",
                    flush=True,
                )
                remove(out)
                continue
            result.runs.append(n / measured.seconds)
            if measured.peak_rss is not None:
                result.peak_rss.append(measured.peak_rss)
            if measured.peak_pss is not None:
                result.peak_pss.append(measured.peak_pss)
            result.index_bytes = size
            memory = ""
            if measured.peak_rss is not None:
                memory = f", peak RSS {megabytes(measured.peak_rss)}"
                memory += f", PSS {megabytes(measured.peak_pss)}"
            said = f" ({summary_line(measured.output)})" if engine == "vindex" else ""
            print(
                f"run {run} {engine}: {measured.seconds:.1f} s, {n / measured.seconds:,.0f} "
                f"articles/s{memory}, {size / 1e6:.1f} MB{said}",
                flush=True,
            )
            if engine == "vindex" and run == runs:
                kept_index = out
            else:
                # The disk and the page cache are the next build's.
                remove(out)
    entry: dict[str, Any] = {"n": n, "runs": runs}
    entry["engines"] = {engine: results[engine].to_dict() for engine in engines}
    entry["ratios"] = ratios(results)
    if kept_index is not None and n <= UPDATES_UP_TO and uploads > 0:
        print("updates of the last Vindex index:", flush=True)
        entry["updates"] = asdict(measure_updates(kept_index, linked, folder, uploads))
    shutil.rmtree(folder, ignore_errors=True)
    return entry


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def ratios(results: dict[str, EngineResult]) -> dict[str, dict[str, float | None]]:
    """Vindex over each peer: articles/s, peak memory, index size."""
    ours = results.get("vindex")
    if ours is None or ours.articles_per_s is None:
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for name, peer in results.items():
        if name == "vindex" or peer.articles_per_s is None:
            continue
        out[name] = {
            "articles_per_s": round(ours.articles_per_s / peer.articles_per_s, 3),
            "peak_rss": quotient(ours.peak_rss_bytes, peer.peak_rss_bytes),
            "peak_pss": quotient(ours.peak_pss_bytes, peer.peak_pss_bytes),
            "index_bytes": round(ours.index_bytes / peer.index_bytes, 2),
        }
    return out


def quotient(ours: int | None, theirs: int | None) -> float | None:
    return round(ours / theirs, 2) if ours and theirs else None


def megabytes(value: int | None, decimals: int = 0) -> str:
    return "-" if value is None else f"{value / 1e6:,.{decimals}f} MB"


def table(entries: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| articles | engine | build, articles/s | peak RSS | peak PSS | index size | "
        "Vindex / it: speed, RSS, PSS, size |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in entries:
        for engine, figures in entry["engines"].items():
            ratio = entry["ratios"].get(engine)
            versus = ""
            if ratio is not None:
                versus = ", ".join(
                    "-" if ratio[key] is None else f"{ratio[key]:.2f}"
                    for key in ("articles_per_s", "peak_rss", "peak_pss", "index_bytes")
                )
            rate = figures["articles_per_s"]
            speed = f"{rate:,.0f}" if rate is not None else "-"
            if figures["stopped_at_bytes"] is not None:
                speed += f" (stopped at {megabytes(figures['stopped_at_bytes'])})"
            lines.append(
                f"| {entry['n']:,} | {engine} | {speed} | "
                f"{megabytes(figures['peak_rss_bytes'])} | "
                f"{megabytes(figures['peak_pss_bytes'])} | "
                f"{megabytes(figures['index_bytes'] or None, 1)} | {versus} |"
            )
    for entry in entries:
        updates = entry.get("updates")
        if updates:
            lines.append(
                f"\nat {entry['n']:,}: update with nothing changed {updates['unchanged_s']:.2f} s; "
                f"one article of a file changed {updates['changed_file_s']:.2f} s; "
                f"a file copied in place {updates['copied_file_s']:.2f} s; server ready "
                f"{updates['server_ready_s']:.1f} s; one-article upload first "
                f"{updates['upload_first_ms']:.0f} ms, median {updates['upload_median_ms']:.0f} ms"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, action="append", help="a size (may be repeated; default 100,000 and 1M)"
    )
    parser.add_argument("--runs", type=int, help="builds per engine (default 3; 1 at 1M and over)")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="comma-separated, of vindex,fts5,tantivy"
    )
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the corpora in this folder")
    parser.add_argument("--uploads", type=int, default=5, help="one-article uploads to time")
    parser.add_argument(
        "--memory-limit",
        type=float,
        help="GB a build's process tree may take before it is stopped (default: 60%% of the "
        "machine's memory; 0: no limit)",
    )
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        help="build a research dataset's import (at its own size) instead of the archive",
    )
    parser.add_argument(
        "--base", type=Path, help="JSON Lines articles to recombine instead of the Reuters import"
    )
    parser.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer is not None:
        # A child: one peer's build of a corpus (see `build`).
        corpus, out = args.paths
        PEERS[args.peer](corpus, out)
        return 0

    sizes = args.n or list(SIZES)
    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ENGINES)
    if unknown or min(sizes) < 1 or (args.runs is not None and args.runs < 1):
        parser.error(f"--n and --runs must be at least 1; engines are {', '.join(ENGINES)}")
    if "tantivy" in engines and not tantivy_installed():
        print("tantivy is not installed (`make bench` installs the bench extra): skipped")
        engines.remove("tantivy")
    limit = None
    if not psutil_installed():
        print("psutil is not installed (`make bench` installs it): no peak memory, no limit")
    else:
        import psutil

        gigabytes = args.memory_limit
        if gigabytes is None:
            gigabytes = MEMORY_SHARE * psutil.virtual_memory().total / 1e9
        limit = int(gigabytes * 1e9) or None
        if limit:
            print(f"a build is stopped over {limit / 1e9:.1f} GB (--memory-limit)")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)

    entries = []
    with tempfile.TemporaryDirectory(prefix="vindex-bench-index-") as tmp:
        work = Path(tmp)
        base = Base(args.corpora, args.base, work)
        if args.dataset is not None:
            corpus = imported(args.dataset, args.corpora, work)
            n = count_articles(corpus)
            runs = args.runs or 3
            entries.append(bench_size(n, corpus, work, engines, runs, args.uploads, limit))
            sizes = []
        for n in sizes:
            corpus = corpus_for(n, base, args.keep, work)
            runs = args.runs or (1 if n >= BIG else 3)
            entries.append(bench_size(n, corpus, work, engines, runs, args.uploads, limit))
            if args.keep is None:
                shutil.rmtree(corpus, ignore_errors=True)
    memory = None
    if psutil_installed():
        memory = f"RSS and PSS summed over the process tree, sampled every {SAMPLE_S * 1000:.0f} ms"
    print("\n" + table(entries))
    print(
        json.dumps(
            {"cores": CORES, "chunk": CHUNK, "peak_memory": memory, "sizes": entries},
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
