"""tantivy as a peer of `bench/search.py`: the same articles and the same requests.

tantivy (Rust, through tantivy-py; the `bench` extra) gets what FTS5 gets:
title, lead and body with its English stemmer (`en_stem`) and positions, BM25
with the boosts Vindex uses (title 3, lead 1.5, body 1), the entities Vindex
indexed (given and extracted) as exact values, the section with every parent
path (so that a parent section includes its children, as Vindex's does), the
year and the month in Vienna time, language and source. A request becomes
one tantivy query (the words, AND by default, plus a term set per filter and
a range on `published`); the answer is the total, the page of hits (by
score, or by date for `newest`/`oldest` and for a request without words)
with the title and a lead and body snippet marked by its `SnippetGenerator`,
and the facets counted by its terms aggregations: one aggregation over the
matches for the facets without a selection, and one per facet with a
selection over the matches without that facet's own restriction
(disjunctive, as Vindex counts them).

What tantivy does not do here that Vindex does: a name in the words does not
also find the articles about what it names (Vindex's entity expansion);
English stemming only (Vindex analyses German and other languages apart);
filter values match exactly (Vindex folds case and accents, and names the
closest values of an unknown one); no did-you-mean; no `distinct` (how many
values a facet has beyond those listed: tantivy's cardinality aggregation, an
estimate, made its facet counting half as slow again at 100k: 14.3 against 9.2
ms for `bank`, so it is left out, in tantivy's favour); stop words are marked
like other words; `word*` is a regular expression over each
field's terms (its query language has no prefix of a single word), and
`NOT` is written `-`.
"""

from __future__ import annotations

import re
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.archive.request import SearchRequest
from indexer.ingest.dates import VIENNA

ENTITY_TYPES = ("person", "organization", "place")
SECTION_SEPARATOR = " > "
TEXT_FIELDS = ("title", "lead", "body")
BOOSTS = {"title": 3.0, "lead": 1.5}
# Exact-valued fields: filtered by term sets, counted by terms aggregations.
VALUE_FIELDS = ("section_path", "year", "month", "language", "source", *ENTITY_TYPES)
# A facet's filter parameter and the field it is counted on.
FACETS = {
    "section": "section_path",
    "year": "year",
    "person": "person",
    "organization": "organization",
    "place": "place",
    "language": "language",
}
# Enough buckets for every section path (hundreds at most) and month of a year.
ALL_BUCKETS = 10_000
_PREFIX = re.compile(r"^([A-Za-z0-9_]+)\*$")
_TOKEN = re.compile(r'-?"[^"]*"|[()]|[^\s()]+')


def to_tantivy(q: str) -> str:
    """The fixed query set's syntax in tantivy's: `NOT x` as `-x`, `word*` as regexes."""
    out: list[str] = []
    negate = False
    for token in _TOKEN.findall(q):
        if token == "NOT":
            negate = True
            continue
        sign = "-" if negate else ""
        negate = False
        bare = token.removeprefix("-")
        if token.startswith("-"):
            sign = "-"
        found = _PREFIX.match(bare)
        if found:
            pattern = re.escape(found.group(1).lower()) + ".*"
            bare = "(" + " OR ".join(f"{f}:/{pattern}/" for f in TEXT_FIELDS) + ")"
        out.append(sign + bare)
    return " ".join(out)


def section_paths(section: str) -> list[str]:
    """A section and its parents: `A > B` is counted and found under `A` and `A > B`."""
    parts = section.split(SECTION_SEPARATOR) if section else []
    return [SECTION_SEPARATOR.join(parts[:depth]) for depth in range(1, len(parts) + 1)]


def text_document(data: dict[str, Any]) -> Any:
    """A tantivy document with an article's id and its three texts (the caption in the lead).

    bench/index.py builds its documents on this too, so that both benchmarks
    give tantivy the same text.
    """
    import tantivy  # the `bench` extra

    doc = tantivy.Document()
    doc.add_text("id", data["id"])
    doc.add_text("title", data["title"])
    lead = " ".join(p for p in (data.get("lead", ""), data.get("image_caption", "")) if p)
    doc.add_text("lead", lead)
    doc.add_text("body", "\n\n".join(data.get("body", [])))
    return doc


def build_tantivy(
    articles: Iterable[dict[str, Any]],
    folder: Path,
    entities: dict[str, dict[str, list[str]]] | None = None,
) -> float:
    """Index the articles into a new tantivy index in `folder`; returns the seconds it took."""
    import tantivy  # the `bench` extra

    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    index = tantivy.Index(_schema(), path=str(folder))
    writer = index.writer()
    for data in articles:
        doc = text_document(data)
        doc.add_text("section", data.get("section", ""))
        for path in section_paths(data.get("section", "")):
            doc.add_text("section_path", path)
        published = datetime.fromisoformat(data["published"])
        if published.tzinfo is None:
            published = published.replace(tzinfo=VIENNA)
        local = published.astimezone(VIENNA)
        doc.add_text("year", f"{local:%Y}")
        doc.add_text("month", f"{local:%Y-%m}")
        doc.add_date("published", published.astimezone(UTC))
        for name in ("language", "source"):
            if data.get(name):
                doc.add_text(name, data[name])
        found = entities.get(data["id"]) if entities is not None else None
        named = found if found is not None else data.get("entities", {})
        for kind in ENTITY_TYPES:
            for name in named.get(kind, []):
                doc.add_text(kind, name)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - started


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem", index_option="position")
    builder.add_text_field("section", stored=True, tokenizer_name="raw")
    for name in VALUE_FIELDS:
        stored = name in ("language", "source", *ENTITY_TYPES)
        builder.add_text_field(name, stored=stored, fast=True, tokenizer_name="raw")
    builder.add_date_field("published", stored=True, indexed=True, fast=True)
    return builder.build()


class TantivySearch:
    """The same request as `SearchCore.search`, answered by tantivy (see the module docstring)."""

    def __init__(self, folder: Path, facet_limit: int) -> None:
        import tantivy

        self._tantivy = tantivy
        self.index = tantivy.Index.open(str(folder))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.facet_limit = facet_limit

    def close(self) -> None:
        pass

    def _query(self, request: SearchRequest, text: Any, exclude: str | None = None) -> Any:
        """The words and every restriction but `exclude` (a filter name or "date")."""
        t = self._tantivy
        parts: list[tuple[Any, Any]] = []
        if text is not None:
            parts.append((t.Occur.Must, text))
        for name, values in request.filters:
            if name == exclude:
                continue
            field = "section_path" if name == "section" else name
            parts.append((t.Occur.Must, t.Query.term_set_query(self.schema, field, list(values))))
        if exclude != "date":
            start, end = request.published_range()
            if start is not None or end is not None:
                parts.append(
                    (
                        t.Occur.Must,
                        t.Query.range_query(
                            self.schema,
                            "published",
                            t.FieldType.Date,
                            start.replace(tzinfo=UTC) if start else None,
                            end.replace(tzinfo=UTC) if end else None,
                        ),
                    )
                )
        if not parts:
            return t.Query.all_query()
        if len(parts) == 1:
            return parts[0][1]
        return t.Query.boolean_query(parts)

    def search(self, request: SearchRequest) -> dict[str, Any]:
        t = self._tantivy
        text = None
        if request.q:
            text = self.index.parse_query(
                to_tantivy(request.q),
                list(TEXT_FIELDS),
                field_boosts=BOOSTS,
                conjunction_by_default=True,
                allow_regexes=True,
            )
        query = self._query(request, text)
        offset = (request.page - 1) * request.per_page
        if text is not None and request.sort == "relevance":
            found = self.searcher.search(query, request.per_page, count=True, offset=offset)
        else:
            order = t.Order.Asc if request.sort == "oldest" else t.Order.Desc
            found = self.searcher.search(
                query,
                request.per_page,
                count=True,
                offset=offset,
                order_by_field="published",
                order=order,
            )
        hits = self._hits(text, found.hits)
        facets = self._facets(request, text, query)
        total: int = found.count  # type: ignore[attr-defined]  # missing from its stubs
        return {"total": total, "hits": hits, "facets": facets}

    def _hits(self, text: Any, ranked: Sequence[tuple[Any, Any]]) -> list[dict[str, Any]]:
        t = self._tantivy
        generators = {}
        if text is not None:
            for name, chars in (("title", 400), ("lead", 200), ("body", 200)):
                generator = t.SnippetGenerator.create(self.searcher, text, self.schema, name)
                generator.set_max_num_chars(chars)
                generators[name] = generator
        hits = []
        for key, address in ranked:
            doc = self.searcher.doc(address)
            if generators:
                title = generators["title"].snippet_from_doc(doc).to_html() or doc["title"][0]
                snippets = [generators[n].snippet_from_doc(doc).to_html() for n in ("lead", "body")]
                snippet = " … ".join(s for s in snippets if s)
            else:
                title = doc["title"][0]
                lead = doc["lead"][0] if doc["lead"] else ""
                snippet = (lead or (doc["body"][0] if doc["body"] else ""))[:200]
            hits.append(
                {
                    "id": doc["id"][0],
                    "title_html": title,
                    "snippet_html": snippet,
                    "section": doc["section"][0] if doc["section"] else "",
                    "published": doc["published"][0] if doc["published"] else None,
                    "language": doc["language"][0] if doc["language"] else "",
                    "source": doc["source"][0] if doc["source"] else "",
                    "score": key,
                    "entities": {kind: list(doc[kind] or []) for kind in ENTITY_TYPES},
                }
            )
        return hits

    def _aggregations(self, names: Iterable[str]) -> dict[str, Any]:
        aggs: dict[str, Any] = {}
        for name in names:
            field = FACETS.get(name, name)
            size = ALL_BUCKETS if name in ("section", "month") else self.facet_limit
            aggs[name] = {"terms": {"field": field, "size": size}}
        return aggs

    def _facets(self, request: SearchRequest, text: Any, query: Any) -> dict[str, Any]:
        own = {name: bool(request.values(name)) for name in FACETS if name != "year"}
        own["year"] = request.date_from is not None or request.date_to is not None
        shared = [name for name in FACETS if not own[name]]
        year = request.year
        if year is not None:
            shared.append("month")
        counted: dict[str, Any] = {}
        if shared:
            counted.update(self.searcher.aggregate(query, self._aggregations(shared)))
        for name in FACETS:
            if own[name]:
                exclude = "date" if name == "year" else name
                alone = self._query(request, text, exclude)
                counted.update(self.searcher.aggregate(alone, self._aggregations([name])))
        facets = {}
        for name in FACETS:
            buckets = [(b["key"], b["doc_count"]) for b in counted[name]["buckets"]]
            if name == "section":
                tops = [b for b in buckets if SECTION_SEPARATOR not in b[0]]
                children: dict[str, list[tuple[str, int]]] = defaultdict(list)
                for value, count in buckets:
                    if SECTION_SEPARATOR in value:
                        children[value.split(SECTION_SEPARATOR)[0]].append((value, count))
                top = []
                for value, count in tops[: self.facet_limit]:
                    top.append((value, count))
                    top += children[value]
                distinct = len(tops)
            else:
                if name == "year":
                    buckets.sort(reverse=True)
                top, distinct = buckets, None
            chosen = set(request.values(name))
            facets[name] = {
                "values": [{"value": v, "count": c, "selected": v in chosen} for v, c in top],
                "distinct": distinct,
            }
        if year is not None:
            months = [
                (b["key"], b["doc_count"])
                for b in counted["month"]["buckets"]
                if b["key"].startswith(f"{year}-")
            ]
            months.sort(reverse=True)
            facets["month"] = {
                "values": [{"value": v, "count": c, "selected": False} for v, c in months],
                "distinct": len(months),
            }
        return facets
