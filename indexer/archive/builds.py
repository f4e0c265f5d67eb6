"""Building an archive from its corpus: the progress a build reports, and what it did.

Backend-neutral: the CLI shows any backend's build with the same progress bar
(tqdm satisfies `Progress`) and prints the same summary line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from indexer.ingest.errors import CorpusError


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> Any: ...

    def close(self) -> Any: ...


ProgressFactory = Callable[[int], Progress]


@dataclass
class BuildReport:
    """What a build did, for the summary line and the exit status."""

    files_read: int = 0
    files_unchanged: int = 0
    indexed: int = 0
    removed: int = 0
    errors: list[CorpusError] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False
    generation: Path | None = None
    # Why a damaged index was rebuilt instead of updated (IndexDamaged's message).
    repaired: str | None = None

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def articles_per_s(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        kind = "rebuilt" if self.rebuilt else "updated"
        return (
            f"{kind}: read {self.files_read} files ({self.files_unchanged} unchanged), "
            f"indexed {self.indexed} articles, removed {self.removed}, failed {self.failed}, "
            f"{self.seconds:.1f} s, {self.articles_per_s:.0f} articles/s"
        )
