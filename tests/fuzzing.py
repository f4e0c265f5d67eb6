"""Shared pieces of the fuzz tests (tests/test_fuzz_*.py): settings, a hang timer, strategies.

Every fuzz target runs a fixed number of examples from a fixed seed, so that
`make test` is quick and repeatable. `VINDEX_FUZZ_EXAMPLES=N` sets every
target's example count instead, for a long run; the seed is then random (each
long run explores new inputs) and Hypothesis prints how to reproduce a failure.
"""

from __future__ import annotations

import gc
import gzip
import itertools
import json
import os
import signal
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from conftest import CORPORA, ROOT
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FIXTURES = ROOT / "tests" / "fixtures" / "formats"
LONG_RUN = os.environ.get("VINDEX_FUZZ_EXAMPLES")
# One input may take this long; more is a hang (SPEC §3: a bad file must not stop a build).
TIME_LIMIT = 2.0
# Time one input may spend blocked (neither running nor waiting for a CPU), for what
# waits instead of computing (see `time_limit`).
WALL_LIMIT = 10.0
# This thread's time on a CPU and waiting for one, in nanoseconds (Linux, schedstats).
SCHEDSTAT = Path("/proc/thread-self/schedstat")

T = TypeVar("T")


def fuzz_settings(examples: int, *, slow: bool = False) -> Callable[[T], T]:
    """Settings for one target: `examples` in `make test`, VINDEX_FUZZ_EXAMPLES in a long run.

    No deadline: the hang limit is `time_limit`'s, and a loaded CI machine
    must not turn a slow example into a flaky failure. `slow` targets (a real
    search or a file written per example) are allowed Hypothesis's too_slow
    health check, which measures exactly that cost.
    """
    checks = [HealthCheck.too_slow] if slow else []
    return settings(
        max_examples=int(LONG_RUN) if LONG_RUN else examples,
        derandomize=not LONG_RUN,
        database=None,
        deadline=None,
        suppress_health_check=checks,
    )


# A failing input of a long run may be megabytes: Hypothesis warns before printing it,
# and pytest's `filterwarnings = error` would turn the report of the failure into an error.
LARGE_REPR = "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"


class Hang(Exception):
    """One input took longer than TIME_LIMIT."""


@contextmanager
def time_limit(seconds: float = TIME_LIMIT) -> Iterator[None]:
    """Raise `Hang` when the block has used `seconds` of CPU time; checked again at the end.

    CPU time, not wall time: this machine's other processes (a benchmark, the
    browser tests) must not make a quick input look like a hang, while a loop
    that never ends burns CPU all the same. A block that waits instead is
    caught by WALL_LIMIT, on the time it was blocked: its wall time less its
    time on a CPU and in the run queue, which is what a loaded machine
    stretches (wall time alone judged the machine's load). The signal
    interrupts Python code; a C parser stuck in one call is caught by the
    times measured when it returns. The garbage collector is paused in the
    block: a long run's full collections walk Hypothesis's own growing heap,
    which is no cost of the input.
    """

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"used over {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expire)
    collecting = gc.isenabled()
    gc.disable()
    cpu, wall, scheduled = time.process_time(), time.perf_counter(), _scheduled()
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if collecting:
            gc.enable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    now = _scheduled()
    blocked = wall - (now - scheduled if now is not None and scheduled is not None else cpu)
    if cpu > seconds or blocked > WALL_LIMIT:
        raise Hang(
            f"took {cpu:.1f} s of CPU time, {wall:.1f} s in all, {blocked:.1f} s blocked "
            f"(limits {seconds} s and {WALL_LIMIT} s)"
        )


def _scheduled() -> float | None:
    """Seconds this thread has run or waited to run; None where the kernel does not say."""
    try:
        running, waiting, _ = SCHEDSTAT.read_text().split()
    except (OSError, ValueError):
        return None
    return (int(running) + int(waiting)) / 1e9


# -- text -------------------------------------------------------------------

# Characters that trip text handling: controls, NUL, BOM, zero-width and
# directional marks, a lone surrogate, combining marks, non-BMP, odd spaces,
# digits of other scripts, case mappings that change length.
ODD_CHARACTERS = [
    "\x00",
    "\x01",
    "\x7f",
    "\x85",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\ufeff",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2028",
    "\u2029",
    "\u00a0",
    "\u3000",
    "\ud800",
    "\udfff",
    "\u0301",
    "\U0001f600",
    "\U000e0001",
    "\uffff",
    "\ufffd",
    "ß",
    "İ",
    "ﬁ",
    "Ⅻ",
    "٣",
    "𝟘",
    "ǅ",
    "♦",
    "»",
    "Ö",
]

odd_text = st.lists(
    st.one_of(st.text(max_size=8), st.sampled_from(ODD_CHARACTERS)), max_size=12
).map("".join)


# -- bytes ------------------------------------------------------------------

# Byte runs that readers treat specially: markup, quotes, separators, encodings,
# deep nesting (a recursion limit), entity declarations, date-like text.
ODD_BYTES = [
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\r",
    b"\n\n",
    b"---\n",
    b"...\n",
    b'"',
    b"'",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&nbsp;",
    b"&#0;",
    b"&#x110000;",
    b"&#xD800;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml",
    b"<?xml version='1.0' encoding='latin-1'?>",
    b'<?xml version="1.0" encoding="utf-16"?>',
    b'<!DOCTYPE x [<!ENTITY a "aaaa">]>',
    b'<!DOCTYPE nitf SYSTEM "nitf.dtd">',
    b"<![CDATA[x]]>",
    b"\\u0000",
    b"\\ud800",
    b"1e999",
    b"-0",
    b"NaN",
    b"Infinity",
    b"null",
    b"true",
    "♦".encode(),
    b"Published: ",
    b"Updated: ",
    b"Picture: \xc2\xa9 ",
    b"Dateline: ",
    b"9999-99-99",
    b"0000-00-00T00:00:00",
    b"99999999999999999999",
    b"Feb 30, 2023",
    b"2023-07-04T23:31:00+99:00",
    b"  ",
    b"\t",
    b"!!python/object:",
    b"&anchor ",
    b"*anchor",
    b"<<: ",
    b"%YAML 1.1\n",
    b"@type",
    b"@graph",
    b"@id",
    b"<script type='application/ld+json'>",
    b"</script>",
    b"<meta property='og:title' content='x'>",
    b"<p>",
    b"</p>",
    b"<br>",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"xml:lang",
    b'xmlns="http://www.w3.org/2005/Atom"',
]

# How deep a nesting mutation may go: past Python's recursion limit (1000).
MAX_NESTING = 5000
NESTING = [
    (b"[", b"]"),
    (b'{"a":', b"}"),
    (b"<a>", b"</a>"),
    (b"<p>", b"</p>"),
    (b"<div>", b"</div>"),
    (b"> ", b""),
    (b"- ", b""),
    (b"  ", b""),
    (b"(", b")"),
    (b"*", b"*"),
    (b"[", b""),
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """A real file's name and its bytes after 1-6 random mutations.

    Mutations: flip, insert, delete and overwrite bytes, truncate, splice in a
    part of another seed file, duplicate a chunk, insert an odd byte run or
    character, wrap a part in deep nesting.
    """
    name, data = draw(st.sampled_from(seeds))
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        size = len(buffer)
        at = draw(st.integers(0, size))
        kind = draw(st.integers(0, 9))
        if kind == 0 and size:
            position = min(at, size - 1)
            buffer[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == 1:
            buffer[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == 2:
            buffer[at : at + draw(st.integers(1, 64))] = b""
        elif kind == 3:
            del buffer[at:]
        elif kind == 4:
            _, other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            buffer[at:] = other[start : start + draw(st.integers(0, 2000))]
        elif kind == 5 and size:
            start = min(at, size - 1)
            chunk = buffer[start : start + draw(st.integers(1, 200))]
            buffer[start:start] = chunk * draw(st.integers(1, 50))
        elif kind == 6:
            buffer[at:at] = draw(st.sampled_from(ODD_BYTES))
        elif kind == 7:
            char = draw(st.sampled_from(ODD_CHARACTERS))
            buffer[at:at] = char.encode("utf-8", "surrogatepass")
        elif kind == 8:
            opening, closing = draw(st.sampled_from(NESTING))
            depth = draw(st.sampled_from([2, 50, 500, 1100, MAX_NESTING]))
            end = draw(st.integers(at, size))
            buffer[at:end] = opening * depth + buffer[at:end] + closing * depth
        elif kind == 9:
            end = min(size, at + draw(st.integers(1, 16)))
            buffer[at:end] = draw(st.binary(min_size=end - at, max_size=end - at))
    return name, bytes(buffer)


# -- seed files ---------------------------------------------------------------


def fixture_files() -> list[tuple[str, bytes]]:
    """Every format fixture, by name (the name picks the reader)."""
    return [(path.name, path.read_bytes()) for path in sorted(FIXTURES.iterdir())]


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def corpus_samples() -> list[tuple[str, bytes]]:
    """A few articles of each research corpus as JSON and JSONL files (never stored in the repo)."""
    from indexer.ingest.importers import bbc, gnad, reuters

    documents: list[dict[str, Any]] = []
    documents += [d for d in reuters.records(reuters_sgml()) if isinstance(d, dict)][:3]
    documents += [
        d for d in (bbc.story(c, n, data) for c, n, data in bbc_stories()) if isinstance(d, dict)
    ]
    documents += [
        d
        for d in (gnad.article(n, row) for n, row in enumerate(gnad_rows(), start=1))
        if isinstance(d, dict)
    ]
    samples: list[tuple[str, bytes]] = []
    for number, document in enumerate(documents):
        text = json.dumps(document, default=_json_default, ensure_ascii=number % 2 == 0)
        samples.append((f"corpus-{number}.json", text.encode()))
    lines = "".join(json.dumps(d, default=_json_default) + "\n" for d in documents)
    samples.append(("corpus.jsonl", lines.encode()))
    return samples


def reuters_sgml(records: int = 4) -> bytes:
    """The head of reut2-000.sgm: its SGML declaration and first `records` stories."""
    with tarfile.open(CORPORA / "reuters21578" / "reuters21578.tar.gz", "r:gz") as tar:
        for member in tar:
            if member.name.endswith("reut2-000.sgm"):
                handle = tar.extractfile(member)
                assert handle is not None
                data = handle.read()
                break
        else:
            raise AssertionError("reut2-000.sgm not in the Reuters archive")
    end = 0
    for _ in range(records):
        end = data.index(b"</REUTERS>", end) + len(b"</REUTERS>")
    return data[: end + 1]


def bbc_stories(per_category: int = 1) -> list[tuple[str, str, bytes]]:
    """(category, number, bytes) of the first stories of each BBC category, and sport/199."""
    found: dict[str, int] = {}
    stories: list[tuple[str, str, bytes]] = []
    with tarfile.open(CORPORA / "bbc-news" / "bbc-fulltext.tar.gz", "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if len(parts) < 3 or not parts[-1].endswith(".txt") or not member.isfile():
                continue
            category, number = parts[-2], parts[-1].removesuffix(".txt")
            # sport/199 is the one latin-1 file.
            wanted = found.get(category, 0) < per_category or (category, number) == ("sport", "199")
            if wanted:
                handle = tar.extractfile(member)
                assert handle is not None
                stories.append((category, number, handle.read()))
                found[category] = found.get(category, 0) + 1
    return stories


def gnad_lines(count: int = 6) -> list[bytes]:
    """The first lines of the 10kGNAD test split, as they are in the file."""
    with gzip.open(CORPORA / "10kgnad" / "test.csv.gz", "rb") as handle:
        return list(itertools.islice(handle, count))


def gnad_rows(count: int = 6) -> list[list[str]]:
    import csv

    lines = [line.decode("utf-8") for line in gnad_lines(count)]
    return list(csv.reader(lines, delimiter=";", quotechar="'"))


def write_file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
