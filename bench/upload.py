"""Benchmark: one big upload against `vindex index` of the same articles, and readers meanwhile.

An editor who sends a whole archive in one `POST /api/articles` should wait
about as long as `vindex index` takes for the same articles, and readers of
that worker should not notice (issue 13: 23,438 articles took 637 s and
stalled /healthz for 38 s). Both sides start from the same site: the demo
corpus (corpus/) and its index, copied fresh for each side.

1. `vindex index`: the articles (the Reuters-21578 import from
   ../shared/corpora, or its first `--articles`) as one JSONL file added to
   the corpus, then an incremental `vindex index` in a subprocess, timed.
2. The upload: a real `vindex serve` on 127.0.0.1 (one worker), the same
   JSONL sent in one request with the editor token, while a reader thread
   asks /healthz and /api/search in turn, `--reader-pause` seconds apart
   (0.05: about 20 requests a second; 0 keeps the worker's interpreter busy
   with readers, which then take half of the writer's time). Reported: the
   upload's time and its answer's counts, and the readers' latencies during
   the upload (p50, p95, p99, max, and how many took over 100 ms).

The last line is one JSON object.

    .venv/bin/python bench/upload.py [--articles N] [--reader-pause 0.05] [--corpora DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.ingest.importers import import_corpus

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-upload-token-0123456789"
SLOW_MS = 100.0
READER_QUERIES = ["oil", "bank rates", "coffee prices", "opec", "trade deficit"]


def corpus_files(corpus: Path, target: Path) -> None:
    """The demo corpus's own articles (not an editor's uploads or the trash)."""
    ignore = shutil.ignore_patterns("uploads", ".trash", ".*")
    shutil.copytree(corpus, target, ignore=ignore)


def payload(corpora: Path, work: Path, articles: int | None) -> tuple[bytes, int]:
    """The Reuters import as one JSONL body, cut to `articles` lines when asked."""
    out = work / "reuters"
    import_corpus("reuters", corpora / "reuters21578", out)
    lines: list[bytes] = []
    for path in sorted(out.rglob("*.jsonl")):
        lines.extend(line for line in path.read_bytes().splitlines() if line.strip())
    if articles is not None:
        lines = lines[:articles]
    return b"\n".join(lines) + b"\n", len(lines)


def site(base: Path, target: Path) -> Path:
    shutil.copytree(base, target, symlinks=True)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vindex(*args: str) -> list[str]:
    return [sys.executable, "-m", "indexer.cli", *args]


def time_index(base: Path, work: Path, body: bytes) -> float:
    run = site(base, work / "index-side")
    (run / "corpus" / "batch.jsonl").write_bytes(body)
    # One file of the whole batch may be larger than the default file limit.
    env = {**os.environ, "VINDEX_MAX_FILE_MB": str(megabytes(body))}
    started = time.perf_counter()
    done = subprocess.run(
        vindex("index", "--index", str(run / "index"), "--corpus", str(run / "corpus")),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    seconds = time.perf_counter() - started
    print(f"vindex index: {done.stdout.strip()}", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"vindex index failed: {done.stderr.strip()}")
    return seconds


def megabytes(body: bytes) -> int:
    """A limit in whole megabytes that the body fits under."""
    return len(body) // (1024 * 1024) + 2


def percentiles(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {}
    ordered = sorted(ms)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1)}


def time_upload(base: Path, work: Path, body: bytes, pause: float) -> dict[str, Any]:
    run = site(base, work / "upload-side")
    port = free_port()
    env = {
        **os.environ,
        "VINDEX_EDITOR_TOKEN": TOKEN,
        "VINDEX_MAX_UPLOAD_MB": str(megabytes(body)),
    }
    command = vindex(
        "serve", "--index", str(run / "index"), "--corpus", str(run / "corpus"), "--port", str(port)
    )
    log = open(work / "server.log", "wb")  # noqa: SIM115 (closed after the server)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=5) as client:
            for _ in range(600):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        uploading = threading.Event()
        finished = threading.Event()
        latencies: list[float] = []
        errors: list[str] = []

        def read() -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                uploading.wait()
                n = 0
                while not finished.is_set():
                    path = "/healthz" if n % 2 == 0 else "/api/search"
                    params = {} if n % 2 == 0 else {"q": READER_QUERIES[n // 2 % 5]}
                    started = time.perf_counter()
                    response = client.get(path, params=params)
                    if not finished.is_set():
                        latencies.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        errors.append(f"{path} {response.status_code}")
                    n += 1
                    finished.wait(pause)

        reader = threading.Thread(target=read)
        reader.start()
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/x-ndjson",
        }
        with httpx.Client(base_url=url, timeout=None) as client:
            uploading.set()
            started = time.perf_counter()
            answer = client.post("/api/articles", content=body, headers=headers)
            seconds = time.perf_counter() - started
        finished.set()
        reader.join()
        summary = answer.json() if answer.status_code == 200 else {"status": answer.status_code}
        counts = {k: summary.get(k) for k in ("created", "updated", "rejected", "status")}
        return {
            "seconds": round(seconds, 1),
            "answer": {k: v for k, v in counts.items() if v is not None},
            "readers": {
                "requests": len(latencies),
                **percentiles(latencies),
                "over_100ms": sum(ms > SLOW_MS for ms in latencies),
                "errors": errors[:5],
            },
        }
    finally:
        server.terminate()
        server.wait(60)
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=None, help="the first N (default all)")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--reader-pause", type=float, default=0.05, help="seconds between reads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vindex-upload-") as folder:
        work = Path(folder)
        base = work / "base"
        corpus_files(ROOT / "corpus", base / "corpus")
        update_index(IndexLocation(base / "index"), base / "corpus")
        body, articles = payload(args.corpora, work, args.articles)
        print(f"payload: {articles:,} articles, {len(body) / 1e6:.1f} MB", flush=True)
        index_seconds = time_index(base, work, body)
        print(f"vindex index: {index_seconds:.1f} s", flush=True)
        upload = time_upload(base, work, body, args.reader_pause)
        print(f"upload: {upload['seconds']} s, {upload['answer']}", flush=True)
        print(f"readers during the upload: {upload['readers']}", flush=True)
        ratio = round(upload["seconds"] / index_seconds, 2)
        print(f"upload / vindex index: {ratio}", flush=True)
        print(
            json.dumps(
                {
                    "articles": articles,
                    "reader_pause": args.reader_pause,
                    "megabytes": round(len(body) / 1e6, 1),
                    "index_seconds": round(index_seconds, 1),
                    "upload": upload,
                    "ratio": ratio,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
