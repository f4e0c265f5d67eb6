"""An entity's report from one search: its articles per year and month, who else, the newest.

The articles naming the entity (its folded keyword), with a yearly and a
monthly `date_histogram` (gaps filled: `min_doc_count` 0, so a chart has an
unbroken time axis), the most named entities of each kind among them, the
archive's spelling of the name, and the newest articles as hits.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.request import MAX_ENTITY_LIMIT
from indexer.archive.results import CoMention, EntityReport, MonthCount, YearCount
from indexer.ingest.article import ENTITY_TYPES
from indexer.opensearch.aggregations import TIME_ZONE
from indexer.opensearch.documents import hit
from indexer.opensearch.highlights import marked
from indexer.opensearch.search import HIT_SOURCE_EXCLUDES


def _series(interval: str) -> dict[str, Any]:
    return {
        "date_histogram": {
            "field": "published",
            "calendar_interval": interval,
            "time_zone": TIME_ZONE,
            "min_doc_count": 0,
            "format": "yyyy" if interval == "year" else "yyyy-MM",
        }
    }


def report_body(kind: str, name: str, limit: int) -> dict[str, Any]:
    limit = max(1, min(limit, MAX_ENTITY_LIMIT))
    aggs: dict[str, Any] = {
        "spelling": {"terms": {"field": kind, "size": 1}},
        "years": _series("year"),
        "months": _series("month"),
    }
    for other in ENTITY_TYPES:
        # One more than the limit: the entity itself is among its own kind's values.
        aggs[f"with_{other}"] = {"terms": {"field": other, "size": limit + 1}}
    return {
        "query": {"bool": {"filter": [{"term": {f"{kind}.folded": " ".join(name.split())}}]}},
        "sort": [{"published": "desc"}, {"id": "asc"}],
        "size": limit,
        "track_total_hits": True,
        "aggs": aggs,
        "_source": {"excludes": HIT_SOURCE_EXCLUDES},
    }


def parse_report(answer: dict[str, Any], kind: str, limit: int) -> EntityReport | None:
    total = int(answer["hits"]["total"]["value"])
    aggs = answer.get("aggregations", {})
    spellings = aggs.get("spelling", {}).get("buckets", [])
    if total == 0 or not spellings:
        return None
    # The articles naming it may spell it as the folded filter matches ("José", "Jose"):
    # the commonest spelling is the name shown.
    name = spellings[0]["key"]
    co_mentioned = {
        other: [
            CoMention(b["key"], b["doc_count"])
            for b in aggs.get(f"with_{other}", {}).get("buckets", [])
            if not (other == kind and b["key"] == name)
        ][:limit]
        for other in ENTITY_TYPES
    }
    return EntityReport(
        kind=kind,
        name=name,
        total=total,
        by_year=[
            YearCount(int(b["key_as_string"]), b["doc_count"])
            for b in aggs.get("years", {}).get("buckets", [])
        ],
        by_month=[
            MonthCount(b["key_as_string"], b["doc_count"])
            for b in aggs.get("months", {}).get("buckets", [])
        ],
        co_mentioned=co_mentioned,
        articles=[hit(document, *marked(document)) for document in answer["hits"]["hits"]],
    )
