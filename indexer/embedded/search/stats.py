"""What the index holds: article counts per section, language and year; size; last build."""

from __future__ import annotations

from indexer.archive.results import IndexStats
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.facets import FacetData, live_documents


def index_stats(location: IndexLocation) -> IndexStats:
    generation = location.require_current()
    ix = location.open()
    try:
        with ix.reader() as reader:
            count = reader.doc_count()
            # The search core's facet arrays: the same section tree (a parent
            # counts its children) and the same Vienna-time years.
            facets = FacetData(reader)
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
