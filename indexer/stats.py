"""What the index holds: article counts per section, language and year; size; last build."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from indexer.dates import VIENNA
from indexer.schema import section_prefixes
from indexer.store import IndexLocation


def index_stats(location: IndexLocation) -> dict[str, Any]:
    generation = location.require_current()
    sections: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    years: Counter[str] = Counter()
    ix = location.open()
    try:
        with ix.reader() as reader:
            count = reader.doc_count()
            if count:
                section = reader.column_reader("section")
                language = reader.column_reader("language")
                published = reader.column_reader("published")
                for docnum in reader.all_doc_ids():
                    # A parent section counts its children's articles too.
                    sections.update(section_prefixes(section[docnum]))
                    languages[language[docnum]] += 1
                    years[str(_local(published[docnum]).year)] += 1
    finally:
        ix.close()
    info = location.info(generation)
    return {
        "articles": count,
        "sections": dict(sorted(sections.items())),
        "languages": dict(languages.most_common()),
        "years": dict(sorted(years.items())),
        "index_bytes": location.size_bytes(generation),
        "built": info.get("built"),
        "updated": info.get("updated"),
        "generation": generation.name,
    }


def _local(utc: datetime) -> datetime:
    """A stored (naive UTC) publication time in Vienna time, as readers count years."""
    return utc.replace(tzinfo=UTC).astimezone(VIENNA)
