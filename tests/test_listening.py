"""`vindex serve --workers 2`: each worker listens on a socket of its own (SO_REUSEPORT).

With one shared socket, the worker that woke first accepted every connection
waiting; here a burst of connections is spread over both workers, and
keep-alive connections the kernel spread unevenly are evened out
(`webapp.balance`).
"""

from __future__ import annotations

import http.client
import os
import socket
from pathlib import Path

import pytest
from conftest import synthetic_article, write_jsonl
from editor_server import Server
from waiting import wait_until

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from webapp.listening import is_shared, own_socket, supervisor_socket

# vindex serve and uvicorn in child processes.
pytestmark = pytest.mark.slow


def workers_of(parent: int) -> list[int]:
    """The worker processes uvicorn spawned under `parent`."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        # Not multiprocessing's resource tracker, also a child.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(entry))
    return found


def sockets_held(pid: int) -> set[str]:
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            held.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    return held


def listening(port: int) -> int:
    """How many sockets listen on the port (one per worker)."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return sum(int(row[1].split(":")[1], 16) == port and row[3] == "0A" for row in rows)


def server_side_inode(port: int, client_port: int) -> str:
    """The inode of the server's end of the connection from `client_port`."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote = parts[1], parts[2]
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == client_port:
            return f"socket:[{parts[9]}]"
    raise AssertionError(f"no connection from port {client_port}")


def test_a_burst_of_connections_is_spread_over_the_workers(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "corpus" / "plain.jsonl", [synthetic_article(i) for i in range(5)])
    update_index(IndexLocation(tmp_path / "index"), tmp_path / "corpus")
    with Server(tmp_path / "index", tmp_path / "corpus", tmp_path / "log", workers=2) as server:
        assert server.process is not None
        workers = workers_of(server.process.pid)
        assert len(workers) == 2
        # The start-up check was answered by one worker; the other may still be starting.
        wait_until(lambda: listening(server.port) == 2, "both workers listening")
        # All connected before any is answered: the kernel queues them at once.
        burst = [
            socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(40)
        ]
        try:
            for sock in burst:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            kept = []
            for sock in burst:
                answer = sock.recv(65536)
                assert answer.startswith(b"HTTP/1.1 200")
                # A worker over its share may close one (webapp.balance): not counted.
                if b"connection: close" not in answer.lower():
                    kept.append(sock)
            held = {pid: sockets_held(pid) for pid in workers}
            counts = dict.fromkeys(workers, 0)
            for sock in kept:
                inode = server_side_inode(server.port, sock.getsockname()[1])
                owner = [pid for pid in workers if inode in held[pid]]
                assert len(owner) == 1
                counts[owner[0]] += 1
        finally:
            for sock in burst:
                sock.close()
    # By a hash of the addresses: about half each (fewer than 8 of 40: p < 1e-5).
    assert min(counts.values()) >= 8, counts


def owner_of(port: int, workers: list[int], client_port: int) -> int:
    """The worker holding the connection from `client_port`, once one has accepted it."""

    def accepted() -> int | None:
        # A connection not accepted yet has no inode (0) in /proc/net/tcp.
        inode = server_side_inode(port, client_port)
        owners = [pid for pid in workers if inode in sockets_held(pid)]
        assert len(owners) <= 1
        return owners[0] if owners else None

    owner: int = wait_until(accepted, f"the connection from port {client_port} accepted")
    return owner


def test_keep_alive_connections_are_evened_out_over_the_workers(tmp_path: Path) -> None:
    """30 connections on one worker and 10 on the other become 20 and 20 as they are used.

    The kernel's hash would have left them as they were for as long as the
    clients kept them (a proxy's pool: for ever), and the first worker's
    clients would have waited three times as long.
    """
    write_jsonl(tmp_path / "corpus" / "plain.jsonl", [synthetic_article(i) for i in range(5)])
    update_index(IndexLocation(tmp_path / "index"), tmp_path / "corpus")
    with Server(tmp_path / "index", tmp_path / "corpus", tmp_path / "log", workers=2) as server:
        assert server.process is not None
        workers = sorted(workers_of(server.process.pid))
        wait_until(lambda: listening(server.port) == 2, "both workers listening")
        # Connected, and not yet used: kept on the first worker until it has 30,
        # on the second until it has 10.
        wanted = {workers[0]: 30, workers[1]: 10}
        held: dict[int, list[http.client.HTTPConnection]] = {pid: [] for pid in workers}
        spare = []
        while any(len(held[pid]) < n for pid, n in wanted.items()):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            connection.connect()
            assert connection.sock is not None
            pid = owner_of(server.port, workers, connection.sock.getsockname()[1])
            (held[pid] if len(held[pid]) < wanted[pid] else spare).append(connection)
        for connection in spare:
            connection.close()
        clients = [c for pid in workers for c in held[pid]]
        statuses: set[int] = set()

        def counts() -> dict[int, int]:
            """Each worker's connections, after one request on each (a closed one reopens)."""
            found = dict.fromkeys(workers, 0)
            for connection in clients:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                statuses.add(response.status)
                if connection.sock is None:  # the server said `Connection: close`
                    connection.connect()
                assert connection.sock is not None
                found[owner_of(server.port, workers, connection.sock.getsockname()[1])] += 1
            return found

        try:
            assert counts() != {workers[0]: 20, workers[1]: 20}
            even = wait_until(
                lambda: (found := counts())[workers[0]] == found[workers[1]] == 20 and found,
                "the connections evened out",
            )
            assert even == {workers[0]: 20, workers[1]: 20}
            assert statuses == {200}
        finally:
            for connection in clients:
                connection.close()


def test_a_second_server_on_the_port_is_refused() -> None:
    held = supervisor_socket("127.0.0.1", 0)
    assert is_shared(held)
    worker = own_socket(held.dup())
    worker.listen()
    try:
        assert not is_shared(worker)
        # SO_REUSEPORT would let it share the port (same user): it must not start.
        with pytest.raises(OSError):
            supervisor_socket("127.0.0.1", held.getsockname()[1])
    finally:
        worker.close()
        held.close()
