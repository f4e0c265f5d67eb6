"""A first plain search over the index: words in, ranked hits out.

The full search core (request model, filters, facets, highlights) replaces
this; it already keeps the shape of SPEC §8's result so the CLI and the pages
can render it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from whoosh import qparser, scoring
from whoosh.index import Index
from whoosh.query import Every, Query
from whoosh.searching import Hit

from indexer.schema import FALLBACK, PROSE_FIELDS, TEXT_LANGUAGES, text_field

SEARCH_FIELDS = [
    text_field(name, group) for group in (*TEXT_LANGUAGES, FALLBACK) for name in PROSE_FIELDS
]
MAX_PER_PAGE = 100


@dataclass
class SearchResult:
    total: int
    page: int
    per_page: int
    took_ms: float
    q: str
    hits: list[dict[str, Any]] = field(default_factory=list)
    notice: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 1),
            "query": {"q": self.q, "filters": {}, "sort": "relevance"},
            "hits": self.hits,
            "notice": self.notice,
        }


def parse_query(ix: Index, text: str) -> tuple[Query, str | None]:
    """The query for the text; on a syntax error, its plain words and a notice."""
    if not text.strip():
        return Every(), None
    parser = qparser.MultifieldParser(SEARCH_FIELDS, ix.schema, group=qparser.AndGroup)
    try:
        return parser.parse(text), None
    except Exception:  # Whoosh raises many kinds on odd input; any of them means: plain words.
        words = " ".join(w for w in "".join(c if c.isalnum() else " " for c in text).split())
        plain = qparser.MultifieldParser(SEARCH_FIELDS, ix.schema, group=qparser.AndGroup)
        plain.remove_plugin_class(qparser.WildcardPlugin)
        return plain.parse(words), "The query could not be parsed; searched for its words."


def search(ix: Index, q: str, *, page: int = 1, per_page: int = 10) -> SearchResult:
    started = time.perf_counter()
    query, notice = parse_query(ix, q)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        if isinstance(query, Every):
            results = searcher.search_page(
                query, max(1, page), pagelen=per_page, sortedby="published", reverse=True
            )
        else:
            results = searcher.search_page(query, max(1, page), pagelen=per_page)
        hits = [_hit(hit) for hit in results]
        total = len(results)
    took = (time.perf_counter() - started) * 1000
    return SearchResult(total, max(1, page), per_page, took, q, hits, notice)


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _hit(hit: Hit) -> dict[str, Any]:
    stored = hit.fields()
    return {
        "id": stored["id"],
        "url": f"/articles/{stored['id']}",
        "title": stored.get("title", ""),
        "lead": stored.get("lead", ""),
        "section": stored.get("section", ""),
        "published": stored.get("published_iso", ""),
        "language": stored.get("language", ""),
        "source": stored.get("source", ""),
        "authors": _split(stored.get("authors")),
        "score": round(hit.score or 0.0, 3),
        "entities": {
            kind: _split(stored.get(kind)) for kind in ("person", "organization", "place")
        },
    }
