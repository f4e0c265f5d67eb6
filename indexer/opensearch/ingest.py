"""Building the archive in the cluster: the corpus read and enriched here, sent in bulk.

The same readers (`indexer.ingest.corpus`) and entity extractor
(`indexer.entities.enrich`) as a local build; the documents go to the
cluster in bulk batches (`bulk.py`), and the build reports its progress as a
local one does (articles, and the input bytes they came from).

A rebuild fills a new version of the index and swaps the alias to it
(`aliases.py`); an update writes into the index the alias points at: every
article of the files read is (re)written, and the articles those files no
longer hold, or of corpus files that are gone, are deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.archive.builds import BuildReport, Progress, ProgressFactory
from indexer.entities.enrich import Enrich
from indexer.ingest.corpus import file_key, find_files, read_file
from indexer.ingest.errors import CorpusError
from indexer.opensearch.bulk import Action, BulkOutcome, batches
from indexer.opensearch.documents import to_document


@dataclass
class ReadFiles:
    """What reading the files gave: per file key, the ids it holds; errors; bytes read."""

    ids: dict[str, set[str]]
    errors: list[CorpusError]


def corpus_actions(
    files: list[Path],
    corpus: Path,
    index: str,
    enrich: Enrich,
    read: ReadFiles,
    max_file_bytes: int,
    progress: Progress | None,
) -> Iterator[Action]:
    """An index action per article of the files, read one file at a time (memory stays flat)."""
    for path in files:
        result = read_file(path, max_file_bytes)
        key = file_key(path, corpus)
        read.errors.extend(result.errors)
        read.ids[key] = set()
        for article in result.articles:
            read.ids[key].add(article.id)
            yield Action(index, article.id, to_document(enrich(article), file=key))
        if progress is not None:
            progress.advance(len(result.articles), _size(path))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def write_corpus(
    paths: Iterable[Path],
    corpus: Path,
    index: str,
    enrich: Enrich,
    send: Callable[[list[Action]], BulkOutcome],
    *,
    max_file_bytes: int,
    progress: ProgressFactory | None,
    report: BuildReport,
) -> ReadFiles:
    """Read the files under `paths` and send their articles; fills `report`."""
    files = list(find_files(paths))
    bar = progress(len(files), sum(_size(p) for p in files)) if progress else None
    read = ReadFiles({}, [])
    try:
        actions = corpus_actions(files, corpus, index, enrich, read, max_file_bytes, bar)
        for batch in batches(actions):
            outcome = send(batch)
            report.indexed += outcome.written
            report.errors.extend(
                CorpusError(f"article {article_id} not indexed: {reason}")
                for article_id, reason in outcome.failed
            )
    finally:
        if bar is not None:
            bar.close()
    report.files_read = len(files)
    report.errors.extend(read.errors)
    return read
