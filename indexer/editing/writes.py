"""A write to the archive: what an editor sends (`NewFile`) and what each article gets (`Outcome`).

The web layer turns request bodies into `NewFile`s (a file for `corpus/uploads/`
with the ids it holds) and answers with one `Outcome` per article: created,
updated, rejected (with reasons), deleted or missing. Neither knows how the
archive stores articles; `WriteFailed` is a write the archive could not finish
at all (disk full, index damaged, shutting down), as opposed to an article it
refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class WriteFailed(Exception):
    """The writer could not finish a write (disk full, index damaged, shut down)."""


@dataclass
class Outcome:
    """What happened to one article of a request."""

    status: str  # created, updated, rejected, deleted, missing
    id: str | None = None
    file: str | None = None
    where: str | None = None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "id": self.id}
        if self.file is not None:
            data["file"] = self.file
        if self.where is not None:
            data["where"] = self.where
        if self.reasons:
            data["reasons"] = self.reasons
        return data


@dataclass
class NewFile:
    """A file to write into `corpus/uploads/` under a safe name, with the ids it holds."""

    name: str
    data: bytes
    outcomes: list[Outcome]

    @property
    def ids(self) -> list[str]:
        return [o.id for o in self.outcomes if o.id is not None]
