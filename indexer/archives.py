"""Opening an archive: the backend a deployment's settings name.

The web app, the CLI and a newsroom's scripts all open the archive here and
then speak only the protocol of `indexer.archive.backend`. Today there is
one backend, the embedded one (Whoosh files on this machine).
"""

from __future__ import annotations

from indexer.archive.backend import Backend
from indexer.settings import Settings


def open_backend(settings: Settings) -> Backend:
    """The archive of the settings' index and corpus folders (opened on first use)."""
    from indexer.embedded.backend import EmbeddedBackend

    return EmbeddedBackend(settings.index, settings.corpus, max_file_bytes=settings.max_file_bytes)
