"""An entity's report: how often the archive names it over time, with whom, and where.

The entity page (`/entities/{type}/{name}`) and `GET /api/entities/{type}/{name}`
show one person, organisation or place: its article count per year and per
month, the entities most often named in the same articles, and its newest
articles as search hits. Everything is counted from the search core's facet
arrays over the set of articles that name the entity, so a report costs a few
bincounts, not a scan of stored fields.
"""

from __future__ import annotations

from datetime import date

from indexer.archive.request import ENTITY_ARTICLES_LIMIT, MAX_ENTITY_LIMIT, SearchRequest
from indexer.archive.results import CoMention, EntityReport, MonthCount, YearCount
from indexer.embedded.search.core import SearchCore
from indexer.ingest.article import ENTITY_TYPES


def entity_report(
    core: SearchCore, kind: str, name: str, *, limit: int = ENTITY_ARTICLES_LIMIT
) -> EntityReport | None:
    """The report of one entity, or None when the archive names no such entity.

    `name` is matched exactly, else ignoring case (a hand-typed URL); the
    report carries the name as the archive writes it. `kind` must be one of
    ENTITY_TYPES (anything else is unknown, hence None).
    """
    if kind not in ENTITY_TYPES or not name.strip():
        return None
    limit = max(1, min(limit, MAX_ENTITY_LIMIT))
    everything = core.match(SearchRequest())
    canonical = _canonical(everything.facets.tables[kind].names, " ".join(name.split()))
    if canonical is None:
        return None
    request = SearchRequest(filters=((kind, (canonical,)),), sort="newest", per_page=limit)
    matched = core.match(request)
    facets = matched.facets
    total = int(matched.mask.sum())
    if total == 0:
        # Known to an older state of the index only (its articles were removed).
        return None
    years, _ = facets.counts("year", matched.mask)
    months, _ = facets.counts("month", matched.mask)
    co_mentioned: dict[str, list[CoMention]] = {}
    for other in ENTITY_TYPES:
        # One more than the limit: the entity itself is among its own kind's values.
        values, _ = facets.counts(other, matched.mask, limit + 1)
        co_mentioned[other] = [
            CoMention(v.value, v.count)
            for v in values
            if not (other == kind and v.value == canonical)
        ][:limit]
    hits = core.search(request, facet_limit=1).hits
    return EntityReport(
        kind=kind,
        name=canonical,
        total=total,
        by_year=_year_series({int(v.value): v.count for v in years}),
        by_month=_month_series({v.value: v.count for v in months}),
        co_mentioned=co_mentioned,
        articles=hits,
    )


def _canonical(names: list[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    folded = wanted.casefold()
    return next((n for n in names if n.casefold() == folded), None)


def _year_series(counts: dict[int, int]) -> list[YearCount]:
    if not counts:
        return []
    return [YearCount(year, counts.get(year, 0)) for year in range(min(counts), max(counts) + 1)]


def _month_series(counts: dict[str, int]) -> list[MonthCount]:
    if not counts:
        return []
    first = date.fromisoformat(min(counts) + "-01")
    last = date.fromisoformat(max(counts) + "-01")
    series = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        key = f"{year:04d}-{month:02d}"
        series.append(MonthCount(key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series
