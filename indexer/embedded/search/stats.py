"""What the index holds: article counts per section, language and year; size; last build."""

from __future__ import annotations

from indexer.archive.results import IndexStats
from indexer.embedded.index.columns import live_documents
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.facets import FacetData


def index_stats(location: IndexLocation) -> IndexStats:
    generation, ix = location.open_current()
    try:
        with ix.reader() as reader:
            count = reader.doc_count()
            # The search core's facet arrays: the same section tree (a parent
            # counts its children) and the same Vienna-time years.
            facets = FacetData(reader, folder=generation)
            live = live_documents(reader)

            def tally(name: str) -> dict[str, int]:
                values, _ = facets.counts(name, live)
                return {v.value: v.count for v in values}

            sections, languages, years = tally("section"), tally("language"), tally("year")
    finally:
        ix.close()
    info = location.info(generation)
    return IndexStats(
        articles=count,
        sections=dict(sorted(sections.items())),
        languages=dict(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        years=dict(sorted(years.items())),
        index_bytes=location.size_bytes(generation),
        built=info.get("built"),
        updated=info.get("updated"),
        generation=generation.name,
    )
