"""The installed `vindex` command: the library's commands, and `serve` for the web app.

`indexer.cli` holds every command that works on an archive; serving it over
HTTP belongs to the web app, so the library runs (and is imported) without
Starlette or uvicorn.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import uvicorn

from indexer import cli
from indexer.archives import open_backend
from indexer.cli import EXIT_OK, UsageError
from indexer.settings import Settings
from indexer.system.logs import configure_logging
from webapp import balance, metrics_folder
from webapp.listening import address_problem, can_reuse_port, check_free, supervisor_socket
from webapp.serving import raise_file_limit, token_problem, uvicorn_options

# Where the worker processes keep their metrics (webapp.metrics): prometheus-client
# reads it when first imported, so it is named here without importing either.
MULTIPROCESS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"
# The exit status when the server could not start (uvicorn's).
STARTUP_FAILURE = 3
# Seconds an idle HTTP connection is kept open by `vindex serve`.
KEEP_ALIVE_SECONDS = 75
# Seconds a stopping worker (SIGTERM, SIGINT) waits for the requests it is answering.
GRACEFUL_SHUTDOWN_SECONDS = 30


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, extra_commands=[add_serve])


def add_serve(commands: Any, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", parents=[common], help="serve the web app")
    serve.add_argument("--host", help="default 127.0.0.1 (VINDEX_HOST)")
    serve.add_argument("--port", type=int, help="default 8000 (VINDEX_PORT)")
    serve.add_argument(
        "--workers", type=int, help="default: one per core, at most 8 (VINDEX_WORKERS)"
    )
    serve.add_argument(
        "--check-address",
        action="store_true",
        help="only say whether the address can be listened on (make run asks first)",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    settings = settings.with_overrides(host=args.host, port=args.port, workers=args.workers)
    if args.check_address:
        # `make run` asks before it builds: a port in use is said before anything else.
        try:
            check_free(settings.host, settings.port)
        except OSError as exc:
            raise UsageError(address_problem(settings.host, settings.port, exc)) from None
        return EXIT_OK
    archive = open_backend(settings)
    try:
        missing = archive.health().status == "no index"
    finally:
        archive.close()
    # What is served: the index folder, or the cluster's alias.
    where = (
        str(settings.index)
        if settings.backend == "embedded"
        else f"OpenSearch alias {settings.opensearch_index}"
    )
    if missing:
        raise UsageError(f"no index in {where}: build one with `vindex index`")

    if settings.editor_token and (problem := token_problem(settings.editor_token)):
        raise UsageError(problem)
    workers = settings.worker_count
    # The address first: a port in use is said before any address or token is printed,
    # which would otherwise read as a server that started (then uvicorn's "[Errno 98]").
    shared = workers > 1 and can_reuse_port()
    try:
        if shared:
            sock = supervisor_socket(settings.host, settings.port)
        else:
            check_free(settings.host, settings.port)
    except OSError as exc:
        raise UsageError(address_problem(settings.host, settings.port, exc)) from None
    # The worker processes' metrics files (webapp.metrics): one folder per run, so that
    # a run never sums the counts of the last, and removed when it ends.
    folder = metrics_folder.make()
    os.environ[MULTIPROCESS_FOLDER] = str(folder)
    if shared:
        # The workers' open connections, which they even out (webapp.balance); in the
        # run's folder, removed with it.
        os.environ[balance.CONNECTIONS_FILE] = str(balance.create(folder / "connections", workers))
    try:
        return _run(
            settings,
            where,
            workers,
            sock if shared else None,
            lambda: metrics_folder.remove(folder),
        )
    finally:
        if shared:
            sock.close()
        metrics_folder.remove(folder)


class OneServer(uvicorn.Server):
    """uvicorn's server, with a clean-up run before it re-raises the signal that stopped it.

    uvicorn ends a graceful shutdown by raising SIGTERM (or SIGINT) again with
    its usual handler: the process is killed there, and no `finally` after
    `run()` would run.
    """

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self.on_stop()


def _run(
    settings: Settings,
    where: str,
    workers: int,
    sock: socket.socket | None,
    on_stop: Callable[[], None],
) -> int:
    if not settings.editor_token:
        # One token for all workers (they sign sessions with it), printed for the editor.
        import secrets

        settings = settings.with_overrides(editor_token=secrets.token_urlsafe(24))
        print(f"Editor token (set VINDEX_EDITOR_TOKEN to choose one): {settings.editor_token}")
    # Workers are separate processes: they read their settings from the environment.
    os.environ.update(settings.to_env())
    open_files = raise_file_limit()  # inherited by the workers
    print(f"Vindex serving {where} on http://{settings.host}:{settings.port}/")
    print(f"Editor page: http://{settings.host}:{settings.port}/editor", flush=True)
    configure_logging(settings.log_format)
    logging.getLogger(__name__).info(
        "serving %s with %d worker(s), %s backend", where, workers, settings.backend
    )
    config = uvicorn.Config(
        "webapp.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
        # Longer than clients keep idle connections (httpx 5 s, browsers more): with
        # uvicorn's 5 s, a client reusing a connection just as the server closed it
        # got a broken request under load (bench/load.py saw one in 661).
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # A deploy or a restart lets the requests under way finish, not forever.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        **uvicorn_options(settings, open_files),
    )
    if workers == 1:
        server = OneServer(config, on_stop)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        return EXIT_OK if server.started else STARTUP_FAILURE
    # Several workers: each listens on a socket of its own (see webapp.listening),
    # where the system has SO_REUSEPORT; elsewhere they share uvicorn's one socket.
    from uvicorn.supervisors import Multiprocess

    own = sock is None
    if sock is None:
        sock = config.bind_socket()
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        if own:
            sock.close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
