"""A search result's facets: each facet's values counted over the matches, shaped for listing.

A facet with a selection is counted without its own restriction, so that a
reader can add a second value (disjunctive facets); the others over the
matches. Each facet is listed as its kind says (`facets.KINDS`): by count,
the first `limit`; sections as a tree, the first `limit` top-level sections
each followed by its sub-sections; years all, newest first (the date
histogram spans the whole archive), and months, first to last: of a
selected year, or of all the matches when they span a short time (a year
of the archive is one bar otherwise). A
selected value is always listed, so that it can be removed, counted even
when it is not among the first.

May import the facet arrays, the restrictions and the typed results.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexer.archive.request import FACETS, SHORT_SPAN_MONTHS, SearchRequest
from indexer.archive.results import FacetValue
from indexer.embedded.index.columns import Mask
from indexer.embedded.search.facets import KINDS, FacetCount, FacetData
from indexer.embedded.search.restrictions import combine
from indexer.ingest.article import SECTION_SEPARATOR

# Values listed per facet of a search result unless the caller asks for more
# or fewer (the JSON API's default; the HTML sidebar asks for its own).
RESULT_FACET_LIMIT = 10


def result_facets(
    facets: FacetData,
    request: SearchRequest,
    text_mask: Mask,
    restrictions: dict[str, Mask],
    matched: Mask,
    limit: int,
    selected: dict[str, list[str]],
) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
    """Each facet's listed values, and how many distinct values it has over its mask.

    `text_mask` is what the words match, `matched` that narrowed by every
    restriction; `selected` the archive's spellings of the selected values
    (and unknown values as given), per facet.
    """
    listed: dict[str, list[FacetValue]] = {}
    distinct: dict[str, int] = {}
    for name in FACETS:
        kind = KINDS[name]
        own = kind.restriction
        mask = combine(text_mask, restrictions, exclude=own) if own in restrictions else matched
        if kind.order == "tree":
            values, count = _section_tree(facets, mask, limit)
        else:
            values, count = facets.counts(name, mask, None if kind.order == "time" else limit)
        listed[name] = _with_selected(values, selected.get(name, ()), facets, name, mask)
        distinct[name] = count
    if request.year is not None:
        months = facets.months_of(request.year, matched)
        listed["month"] = [FacetValue(m.value, m.count) for m in months]
    elif _short(listed["year"]):
        # Counted as the years are, without the dates' own restriction, so that a
        # chosen month is one bar among the others. The month column has one value a
        # document: the same cheap pass as the years, done only for a short span.
        own = KINDS["month"].restriction
        mask = combine(text_mask, restrictions, exclude=own) if own in restrictions else matched
        months, _ = facets.counts("month", mask)
        listed["month"] = [FacetValue(m.value, m.count) for m in reversed(months)]
    return listed, distinct


def _short(years: list[FacetValue]) -> bool:
    """Whether these years hold SHORT_SPAN_MONTHS months or fewer: a year or two."""
    found = [int(y.value) for y in years if y.count]
    return bool(found) and (max(found) - min(found) + 1) * 12 <= SHORT_SPAN_MONTHS


def _section_tree(facets: FacetData, mask: Mask, limit: int) -> tuple[list[FacetCount], int]:
    """Top-level sections by count, each followed by its sub-sections by count."""
    values, _ = facets.counts("section", mask)
    tops = [v for v in values if SECTION_SEPARATOR not in v.value]
    ordered: list[FacetCount] = []
    for top in tops[:limit]:
        ordered.append(top)
        prefix = top.value + SECTION_SEPARATOR
        ordered.extend(v for v in values if v.value.startswith(prefix))
    return ordered, len(tops)


def _with_selected(
    values: list[FacetCount],
    selected: Iterable[str],
    facets: FacetData,
    name: str,
    mask: Mask,
) -> list[FacetValue]:
    chosen = set(selected)
    pairs = [(v.value, v.count) for v in values]
    listed = {v.value for v in values}
    pairs.extend((value, _count_of(facets, name, mask, value)) for value in chosen - listed)
    tree = KINDS[name].order == "tree"
    return [
        FacetValue(value, count, value in chosen, value.count(SECTION_SEPARATOR) if tree else None)
        for value, count in pairs
    ]


def _count_of(facets: FacetData, name: str, mask: Mask, value: str) -> int:
    table = facets.tables[name]
    try:
        index = table.names.index(value)
    except ValueError:
        return 0
    counts = table.counts(mask)
    return int(counts[index]) if index < len(counts) else 0
