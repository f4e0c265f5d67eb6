"""Errors about corpus input: what went wrong, in which file, where, and why.

Every reader and the article model raise `CorpusError`. Its message is one line
that an editor can act on: ``corpus/x.json: line 3: field 'published': no such date``.
"""

from __future__ import annotations

from pathlib import Path


class CorpusError(Exception):
    """A file, or one article in it, that cannot be read."""

    def __init__(
        self,
        reason: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
        item: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.item = item

    def located(
        self, path: Path | str, *, line: int | None = None, item: int | None = None
    ) -> CorpusError:
        """The same error with the file (and line or item) filled in where missing."""
        return CorpusError(
            self.reason,
            path=self.path or path,
            line=self.line if self.line is not None else line,
            field=self.field,
            item=self.item if self.item is not None else item,
        )

    def __str__(self) -> str:
        parts = [self.path or "<input>"]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.item is not None:
            parts.append(f"item {self.item}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        parts.append(self.reason)
        return ": ".join(parts)
