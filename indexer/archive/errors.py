"""What any backend raises when the archive cannot answer at all: missing or damaged.

The web app maps both to a 503 in one handler; the CLI prints them and exits.
"""

from __future__ import annotations


class ArchiveMissing(Exception):
    """The archive has no index yet (nothing built): a 503 until the first build."""


class ArchiveDamaged(Exception):
    """The archive's index cannot be read: only a rebuild repairs it.

    The message (for the log and the CLI) names what failed in full; `public`
    is what a web client is told (no paths of the server's disk).
    """

    def __init__(self, message: str, public: str) -> None:
        super().__init__(message)
        self.public = public
