"""`vindex serve` itself, where uvicorn's behaviour matters: a real server on 127.0.0.1.

Who the client is (forwarded headers are believed only from trusted proxies),
what it refuses to start with, and how it holds up under more connections
than it will keep.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from conftest import ROOT, synthetic_article, write_jsonl
from editor_server import AUTH, Server, free_port

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings, SettingsError
from webapp.serving import RepeatFilter, uvicorn_options

# vindex serve and uvicorn in child processes.
pytestmark = pytest.mark.slow

WRONG = {"Authorization": "Bearer wrong-guess-0000000"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    write_jsonl(folder / "corpus" / "plain.jsonl", [synthetic_article(i) for i in range(5)])
    update_index(IndexLocation(folder / "index"), folder / "corpus")
    return folder


def fresh_index(site: Path, tmp_path: Path) -> Path:
    """A copy of the index with no throttle or session state of earlier servers."""
    index = tmp_path / "index"
    subprocess.run(["cp", "-a", str(site / "index"), str(index)], check=True)
    (index / "editor-auth.sqlite3").unlink(missing_ok=True)
    return index


def guesses(server: Server, forwarded_for: Iterator[str], count: int) -> list[int]:
    """`count` wrong tokens, each on a new connection with the next X-Forwarded-For."""
    statuses = []
    for _ in range(count):
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            headers = {**WRONG, "X-Forwarded-For": next(forwarded_for)}
            statuses.append(client.get("/api/jobs/startup", headers=headers).status_code)
    return statuses


def addresses() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"203.0.{n // 250}.{n % 250 + 1}"


def test_forwarded_for_is_not_believed_by_default(site: Path, tmp_path: Path) -> None:
    index = fresh_index(site, tmp_path)
    with Server(index, site / "corpus", tmp_path / "server.log", workers=2) as server:
        statuses = guesses(server, addresses(), 30)
        # One client, whatever it claims: after the free failures it must wait,
        # in both workers.
        assert 429 in statuses, statuses
        assert statuses.index(429) <= 6, statuses
        assert set(statuses) == {401, 429}


def test_forwarded_for_from_a_trusted_proxy_names_the_client(site: Path, tmp_path: Path) -> None:
    index = fresh_index(site, tmp_path)
    env = {"VINDEX_TRUSTED_PROXIES": "127.0.0.1"}
    with Server(index, site / "corpus", tmp_path / "server.log", env=env) as server:
        # Behind the proxy, each address is its own client...
        assert guesses(server, addresses(), 12) == [401] * 12
        # ...and one address guessing again and again must wait.
        same = guesses(server, iter(["198.51.100.7"] * 12), 12)
        assert 429 in same, same
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            other = {**AUTH, "X-Forwarded-For": "198.51.100.8"}
            assert client.get("/api/jobs/startup", headers=other).status_code == 200


@pytest.mark.parametrize("token", ["short", "fifteen-chars!!", " " * 20])
def test_serve_refuses_a_short_editor_token(site: Path, token: str) -> None:
    env = {**os.environ, "VINDEX_EDITOR_TOKEN": token}
    command = [sys.executable, "-m", "webapp.cli", "serve", "--index", str(site / "index")]
    command += ["--corpus", str(site / "corpus"), "--port", str(free_port())]
    # A backstop: a server that starts would never exit on its own.
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "VINDEX_EDITOR_TOKEN" in done.stderr and "16" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_a_port_in_use_is_said_before_anything_is_printed(site: Path, workers: int) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "VINDEX_EDITOR_TOKEN"}
        command = [sys.executable, "-m", "webapp.cli", "serve", "--index", str(site / "index")]
        command += ["--corpus", str(site / "corpus"), "--port", str(port)]
        command += ["--workers", str(workers)]
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2, done.stderr
    # No address and no token that would read as a server started.
    assert done.stdout == ""
    assert done.stderr == (
        f"vindex: port {port} on 127.0.0.1 is in use (another Vindex, or another "
        f"server): choose another with VINDEX_PORT (VINDEX_PORT={port + 1} make run) or "
        f"`vindex serve --port {port + 1}`\n"
    )


def test_make_run_says_a_port_in_use_before_it_builds(tmp_path: Path) -> None:
    """`make run` builds the index before it serves: the port is asked about first."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ)
        env.update(
            VINDEX_PORT=str(port),
            VINDEX_INDEX=str(tmp_path / "index"),
            VINDEX_CORPUS=str(tmp_path / "corpus"),
        )
        done = subprocess.run(
            ["make", "--no-print-directory", "-s", "run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode != 0
    assert done.stdout == ""  # no build ran, no address or token printed
    assert done.stderr.startswith(f"vindex: port {port} on 127.0.0.1 is in use"), done.stderr
    assert not (tmp_path / "index").exists()


# -- more connections than the server keeps ----------------------------------------


@contextmanager
def soft_file_limit(limit: int) -> Iterator[None]:
    """Processes started within inherit this soft limit of open files (the hard one stays)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def file_limits(pid: int) -> tuple[int, int]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-file limit in /proc")


def idle_sockets(port: int, count: int) -> list[socket.socket]:
    """`count` connections that send nothing (the kernel completes them; the server may not)."""
    return [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(count)]


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed the connection (waits for it, up to the socket's timeout)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_flood_of_idle_connections_leaves_the_server_answering(
    site: Path, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    env = {"VINDEX_MAX_CONNECTIONS": "20"}
    # The server starts with a soft limit of 200 open files and raises it itself.
    with soft_file_limit(200):
        server = Server(fresh_index(site, tmp_path), site / "corpus", log, env=env)
        server.start()
    try:
        assert server.process is not None
        flood = idle_sockets(server.port, 300)
        try:
            with httpx2.Client(base_url=server.url, timeout=30) as client:
                # Beyond its limit, a new connection closes the longest idle one:
                # requests are answered while the idle ones are open.
                health = client.get("/healthz")
                assert health.status_code == 200, health.text
                search = client.get("/api/search", params={"q": "vienna"})
                assert search.status_code == 200
            # The oldest idle connections were closed to make room.
            assert closed_by_server(flood[0])
            # It may hold as many files as the system lets it.
            soft, hard = file_limits(server.process.pid)
            assert soft == hard
        finally:
            for sock in flood:
                sock.close()
    finally:
        server.stop()
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert len(text) < 20_000, text[-3000:]


def test_connections_that_send_no_headers_in_time_are_closed(site: Path, tmp_path: Path) -> None:
    env = {"VINDEX_HEADER_TIMEOUT": "2"}
    index = fresh_index(site, tmp_path)
    with Server(index, site / "corpus", tmp_path / "server.log", env=env) as server:
        silent = idle_sockets(server.port, 3)
        trickle = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        try:
            # A slow client: a byte of its request line now and then, never the end.
            deadline = time.monotonic() + 60  # a backstop; the timeout is 2 s
            closed = False
            for byte in itertools.cycle(b"GET /search?q=vienna"):
                try:
                    trickle.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                assert time.monotonic() < deadline, "the trickling client was never closed"
                time.sleep(0.1)
            assert closed
            assert all(closed_by_server(sock) for sock in silent)
            # A client that sends its request at once is answered as ever.
            with httpx2.Client(base_url=server.url, timeout=30) as client:
                assert client.get("/healthz").status_code == 200
        finally:
            for sock in (*silent, trickle):
                sock.close()


def test_headers_beyond_the_limit_are_refused(site: Path, tmp_path: Path) -> None:
    """h11 refused headers beyond 16 KiB itself; httptools takes any amount unless counted."""
    index = fresh_index(site, tmp_path)
    with Server(index, site / "corpus", tmp_path / "server.log") as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
            reply = b""
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for n in range(2000):  # up to 200 KB of headers that never end
                    sock.sendall(b"X-Filler-%d: %s\r\n" % (n, b"x" * 80))
            with contextlib.suppress(ConnectionResetError):
                while chunk := sock.recv(65536):
                    reply += chunk
            assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
        finally:
            sock.close()
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            assert client.get("/healthz").status_code == 200


def test_a_repeated_error_is_logged_once_per_interval() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RepeatFilter(interval=3600))
    logger = logging.getLogger("vindex-test-repeats")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        for n in range(1000):
            try:
                raise OSError(24, "Too many open files")
            except OSError:
                # As asyncio logs a failed accept(): the handle's time differs each time.
                logger.error(f"socket.accept() out of system resource\nhandle: {n}", exc_info=True)
            logger.warning("Invalid HTTP request received.")
            logger.info("%s - GET /healthz 200", f"127.0.0.1:{n}")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert text.count("Traceback") == 1
    assert text.count("out of system resource") == 1
    assert text.count("Invalid HTTP request") == 1
    assert text.count("GET /healthz") == 1000  # below WARNING, everything is kept


# -- the settings behind it ----------------------------------------------------------


def test_trusted_proxies_are_checked_and_written_as_uvicorn_reads_them() -> None:
    settings = Settings.from_env({"VINDEX_TRUSTED_PROXIES": " 10.0.0.1/8, 127.0.0.1 ,,::1"})
    assert settings.trusted_proxy_list == ["10.0.0.0/8", "127.0.0.1", "::1"]
    options = uvicorn_options(settings, open_files=20_000)
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == "10.0.0.0/8,127.0.0.1,::1"
    assert uvicorn_options(Settings(), open_files=20_000)["proxy_headers"] is False
    with pytest.raises(SettingsError, match="VINDEX_TRUSTED_PROXIES"):
        Settings.from_env({"VINDEX_TRUSTED_PROXIES": "proxy.internal"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://news.example/archive/", "https://news.example/archive"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("news.example", None),
        ("javascript:alert(1)", None),
        ("https://news.example/?q=1", None),
        ("https://user@news.example/", None),
        ("https://news.example:port/", None),
    ],
)
def test_the_base_url_must_be_an_http_address(raw: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(SettingsError, match="VINDEX_BASE_URL"):
            Settings.from_env({"VINDEX_BASE_URL": raw})
    else:
        assert Settings.from_env({"VINDEX_BASE_URL": raw}).base_url == expected


def test_the_connection_limit_fits_the_open_files() -> None:
    assert uvicorn_options(Settings(), open_files=20_000)["limit_concurrency"] == 1000
    assert uvicorn_options(Settings(), open_files=1024)["limit_concurrency"] == 768
    assert uvicorn_options(Settings(max_connections=50), open_files=1024)["limit_concurrency"] == 50
