"""What every worker process must agree on about editor access: wrong tries and ended sessions.

`vindex serve --workers N` runs N processes, each with its own memory: a
throttle kept in memory let a guesser try N times as often, and a logout in
one process could not end the session in the others. Both live in one small
SQLite file in the index folder (`editor-auth.sqlite3`), which every worker
opens; SQLite's locking makes each check-and-record one atomic step across
processes, and the file outlives a restart (a restart does not reset a
guesser's wait or bring a logged-out cookie back).

Rows are few and short-lived: tries older than the throttle's window and
revoked sessions past their expiry are deleted as new ones are written, and
the table of tries is capped.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

FILE_NAME = "editor-auth.sqlite3"
# Seconds a writer waits for another process's transaction (each takes microseconds).
BUSY_SECONDS = 10.0
# Seconds to wait after `count` failures, the last at `last`, when it is `now`.
WaitRule = Callable[[int, float, float], float]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tries (client TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tries_client ON tries (client, at);
CREATE INDEX IF NOT EXISTS tries_at ON tries (at);
CREATE TABLE IF NOT EXISTS revoked (session TEXT PRIMARY KEY, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS revoked_expires ON revoked (expires);
"""


class AuthStore:
    """The shared record of one index folder's editor tries and revoked sessions."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (BEGIN IMMEDIATE): check and record in one step."""
        self._set_up()
        with closing(sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)) as db:
            # A crash may lose the last tries, never corrupt the file; no fsync per try.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _set_up(self) -> None:
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(
                sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            ) as db:
                # WAL: readers (every session check) never wait for a writer.
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
            self._ready = True

    # -- tries ---------------------------------------------------------------------

    def record_try(
        self, client: str, now: float, window: float, wait_of: WaitRule, max_rows: int
    ) -> float:
        """Seconds `client` must still wait (0 when it may try, and then the try is recorded).

        The try counts as failed until `clear` says it succeeded: two requests
        at once, in one process or two, cannot both pass on the same count.
        """
        with self._transaction() as db:
            db.execute("DELETE FROM tries WHERE at < ?", (now - window,))
            count, last = db.execute(
                "SELECT count(*), max(at) FROM tries WHERE client = ?", (client,)
            ).fetchone()
            left = wait_of(count, last, now) if count else 0.0
            if left > 0:
                return left
            db.execute("INSERT INTO tries (client, at) VALUES (?, ?)", (client, now))
            (total,) = db.execute("SELECT count(*) FROM tries").fetchone()
            if total > max_rows:
                db.execute(
                    "DELETE FROM tries WHERE rowid IN "
                    "(SELECT rowid FROM tries ORDER BY at LIMIT ?)",
                    (total - max_rows,),
                )
            return 0.0

    def clear(self, client: str) -> None:
        """The client presented the right token: its failures are forgiven."""
        with self._transaction() as db:
            db.execute("DELETE FROM tries WHERE client = ?", (client,))

    # -- sessions ------------------------------------------------------------------

    def revoke(self, session: str, expires: float, now: float) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM revoked WHERE expires < ?", (now,))
            db.execute(
                "INSERT OR REPLACE INTO revoked (session, expires) VALUES (?, ?)",
                (session, expires),
            )

    def is_revoked(self, session: str) -> bool:
        self._set_up()
        with closing(sqlite3.connect(self.path, timeout=BUSY_SECONDS)) as db:
            row = db.execute("SELECT 1 FROM revoked WHERE session = ?", (session,)).fetchone()
        return row is not None
