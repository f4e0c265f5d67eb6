"""What the archive holds, from one search of aggregations and the index's store size.

The article count, articles per section (every prefix of the path, so a
parent counts its children), per language and per calendar year in Vienna
time, as `vindex stats` and the editor's page show them.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.results import IndexStats
from indexer.opensearch.aggregations import SECTION_VALUES, TIME_ZONE

LANGUAGES = 200


def stats_body() -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "sections": {"terms": {"field": "sections", "size": SECTION_VALUES}},
            "languages": {"terms": {"field": "language", "size": LANGUAGES}},
            "years": {
                "date_histogram": {
                    "field": "published",
                    "calendar_interval": "year",
                    "time_zone": TIME_ZONE,
                    "format": "yyyy",
                    "min_doc_count": 1,
                }
            },
        },
    }


def store_bytes(answer: dict[str, Any]) -> int:
    """The index's size on disk, every copy, from `GET /<index>/_stats/store`."""
    return int(answer["_all"]["total"]["store"]["size_in_bytes"])


def parse_stats(answer: dict[str, Any], index: str, size: int, built: str | None) -> IndexStats:
    aggs = answer["aggregations"]
    return IndexStats(
        articles=int(answer["hits"]["total"]["value"]),
        sections={b["key"]: b["doc_count"] for b in aggs["sections"]["buckets"]},
        languages={b["key"]: b["doc_count"] for b in aggs["languages"]["buckets"]},
        years={b["key_as_string"]: b["doc_count"] for b in aggs["years"]["buckets"]},
        index_bytes=size,
        built=built,
        updated=None,
        generation=index,
    )
