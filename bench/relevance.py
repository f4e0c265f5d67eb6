"""Benchmark: ranking quality against Reuters-21578's topic labels, beside FTS5 and tantivy.

Judgments: the TOPICS labels of the documents Lewis's split marks
LEWISSPLIT="TEST" (6,188 stories of 1987). Each query below stands for one
topic and was written the way a reader looking for that topic would type it,
before any engine's results were seen; a story is relevant to the query
when it carries the topic. Only topics with at least ten relevant TEST
stories are asked, so a perfect engine can reach P@10 = 1.

The same TEST stories (Vindex's own Reuters import of them: title and body)
are indexed three times:

- Vindex: a real index (`update_index`), searched through `SearchCore.search`
  as the pages and the API search it: the words of a query must all match
  (Vindex's default AND), its ranking (BM25F over title, lead and body, its
  field weights, ties newest first).
- SQLite FTS5: `porter unicode61 remove_diacritics 2`, the query's words
  ANDed (FTS5's implicit AND), ordered by `bm25(fts, 3.0, 1.0)` (title three
  times the body, as bench/search.py weighs them) and newest first on ties.
- tantivy: title and body with its English stemmer (`en_stem`), its query
  parser with `conjunction_by_default=True` (so that its words are ANDed too;
  its default would be OR) and the title boosted 3 to 1 like the others, its
  default BM25 (k1 1.2, b 0.75).

For each query it prints the relevant stories' count, the ceiling (the best
P@10 any order of the stories Vindex matches could reach: an engine that
ANDs the words can rank only stories containing them all), and every
engine's P@10 and nDCG@10 (binary gain, log2 discount, ideal = min(relevant,
10) relevant stories first); then the means and one JSON line.

    .venv/bin/python bench/relevance.py [--corpora ../shared/corpora]

"Reuters-21578, Distribution 1.0" (research use only; read from ../shared,
never copied into the repository).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# The sibling module (bench/ is the script's folder, so it is on sys.path).
from search import load_articles, write_corpus

from indexer.archive.request import SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.ingest.importers import import_corpus

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = "reuters21578.tar.gz"
DEPTH = 10  # P@10, nDCG@10

# (topic code, the query a reader would type for it). Written from the topic
# descriptions (cat-descriptions_120396.txt) before any results were looked at,
# and never changed per engine; every topic has at least 10 relevant TEST stories.
QUERIES: list[tuple[str, str]] = [
    ("earn", "quarterly earnings"),
    ("acq", "acquisition"),
    ("crude", "crude oil"),
    ("money-fx", "foreign exchange markets"),
    ("grain", "grain"),
    ("interest", "interest rates"),
    ("trade", "trade deficit"),
    ("ship", "shipping"),
    ("wheat", "wheat"),
    ("corn", "corn"),
    ("oilseed", "oilseeds"),
    ("dlr", "dollar"),
    ("veg-oil", "vegetable oil"),
    ("sugar", "sugar"),
    ("gnp", "gross national product"),
    ("money-supply", "money supply"),
    ("soybean", "soybeans"),
    ("nat-gas", "natural gas"),
    ("gold", "gold"),
    ("bop", "balance of payments"),
    ("coffee", "coffee prices"),
    ("cpi", "consumer price index"),
    ("rice", "rice"),
    ("livestock", "livestock"),
    ("alum", "aluminium"),
    ("jobs", "unemployment"),
    ("cotton", "cotton"),
    ("copper", "copper"),
    ("cocoa", "cocoa"),
    ("reserves", "foreign reserves"),
    ("iron-steel", "steel"),
    ("barley", "barley"),
    ("rubber", "rubber"),
    ("zinc", "zinc"),
    ("tin", "tin"),
    ("ipi", "industrial production"),
    ("yen", "yen"),
    ("gas", "gasoline"),
    ("orange", "orange juice"),
    ("pet-chem", "petrochemicals"),
    ("wpi", "wholesale prices"),
    ("palm-oil", "palm oil"),
]

_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_SPLIT = re.compile(r'\bLEWISSPLIT="([A-Z-]+)"')
_TOPICS = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
_CODE = re.compile(r"<D>(.*?)</D>", re.S)


# -- judgments -------------------------------------------------------------------


def test_topics(archive: Path) -> dict[str, set[str]]:
    """Article id (`reuters-<NEWID>`, as the importer names it) -> topic codes, TEST split only.

    Read from the SGML itself: the import keeps topics only as section and
    tag names, and not the split.
    """
    topics: dict[str, set[str]] = {}
    with tarfile.open(archive) as tar:
        for member in tar:
            if not re.fullmatch(r"reut2-\d{3}\.sgm", Path(member.name).name):
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            for match in _RECORD.finditer(handle.read().decode("latin-1")):
                attributes, sgml = match.groups()
                newid, split = _NEWID.search(attributes), _SPLIT.search(attributes)
                if newid is None or split is None or split.group(1) != "TEST":
                    continue
                found = _TOPICS.search(sgml)
                codes = _CODE.findall(found.group(1)) if found else []
                topics[f"reuters-{newid.group(1)}"] = {code.strip().lower() for code in codes}
    return topics


def precision(ranked: Sequence[str], relevant: set[str], depth: int = DEPTH) -> float:
    """Relevant stories among the first `depth`, over `depth` (missing ranks count as misses)."""
    return sum(1 for doc in ranked[:depth] if doc in relevant) / depth


def ndcg(ranked: Sequence[str], relevant: set[str], depth: int = DEPTH) -> float:
    """Binary-gain nDCG at `depth`: DCG over the DCG of the best possible order."""
    dcg = sum(1 / math.log2(rank + 2) for rank, doc in enumerate(ranked[:depth]) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(len(relevant), depth)))
    return dcg / ideal if ideal else 0.0


# -- the corpus --------------------------------------------------------------------


def body_text(article: dict[str, Any]) -> str:
    """What the peers index as body: Vindex's lead (and caption) and body paragraphs."""
    parts = [article.get("lead", ""), article.get("image_caption", ""), *article.get("body", [])]
    return "\n\n".join(p for p in parts if p)


# -- the engines -----------------------------------------------------------------

Ranker = Callable[[str], list[str]]


@dataclass
class Engine:
    rank: Ranker  # a query's first DEPTH story ids, best first
    close: Callable[[], None]
    # Every story id the query matches (Vindex only: for the ceiling column).
    matches: Callable[[str], set[str]] | None = None


def vindex_engine(articles: Sequence[dict[str, Any]], work: Path) -> Engine:
    corpus = work / "corpus"
    write_corpus(articles, corpus)
    location = IndexLocation(work / "index")
    report = update_index(location, corpus, rebuild=True)
    if report.errors:
        print(f"warning: {len(report.errors)} build errors, first: {report.errors[0]}")
    live = LiveIndex(location)
    core = SearchCore(live)

    def rank(q: str) -> list[str]:
        request = SearchRequest.from_params({"q": q, "per_page": str(DEPTH)})
        return [hit.id for hit in core.search(request).hits]

    def matches(q: str) -> set[str]:
        found = core.match(SearchRequest.from_params({"q": q}))
        return {found.searcher.stored_fields(d)["id"] for d in np.flatnonzero(found.mask)}

    def close() -> None:
        core.close()
        live.close()

    return Engine(rank, close, matches)


def fts5_engine(articles: Sequence[dict[str, Any]], work: Path) -> Engine:
    con = sqlite3.connect(work / "fts5.sqlite")
    con.executescript(
        """
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE article (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, published TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(
            title, body, tokenize = 'porter unicode61 remove_diacritics 2'
        );
        """
    )
    with con:
        for rowid, article in enumerate(articles, start=1):
            con.execute(
                "INSERT INTO article VALUES (?, ?, ?)", (rowid, article["id"], article["published"])
            )
            con.execute(
                "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)",
                (rowid, article["title"], body_text(article)),
            )
    con.execute("INSERT INTO fts (fts) VALUES ('optimize')")

    def rank(q: str) -> list[str]:
        # Lower case, each word quoted: an upper-case OR/NOT/NEAR would be an operator;
        # FTS5 ANDs the words.
        match = " ".join('"' + word.replace('"', '""') + '"' for word in q.lower().split())
        rows = con.execute(
            "SELECT a.id FROM fts JOIN article a ON a.rowid = fts.rowid WHERE fts MATCH ?"
            " ORDER BY bm25(fts, 3.0, 1.0), a.published DESC LIMIT ?",
            (match, DEPTH),
        )
        return [row[0] for row in rows]

    return Engine(rank, con.close)


def tantivy_engine(articles: Sequence[dict[str, Any]], work: Path) -> Engine:
    import tantivy  # the `bench` extra: `make bench` installs it

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    schema = builder.build()
    folder = work / "tantivy"
    folder.mkdir()
    index = tantivy.Index(schema, path=str(folder))
    # One thread: with several, documents fall into segments differently from run
    # to run, and so does the order of equal scores (nDCG moved by 0.001).
    writer = index.writer(num_threads=1)
    for article in articles:
        writer.add_document(
            tantivy.Document(id=article["id"], title=article["title"], body=body_text(article))
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def rank(q: str) -> list[str]:
        query = index.parse_query(
            q, ["title", "body"], field_boosts={"title": 3.0}, conjunction_by_default=True
        )
        hits = searcher.search(query, DEPTH).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]

    return Engine(rank, lambda: None)


ENGINES: dict[str, Callable[[Sequence[dict[str, Any]], Path], Engine]] = {
    "vindex": vindex_engine,
    "fts5": fts5_engine,
    "tantivy": tantivy_engine,
}


# -- the report ------------------------------------------------------------------


@dataclass
class Row:
    topic: str
    query: str
    relevant: int
    # The best P@10 any order of the stories Vindex matches could reach: a
    # query whose words few relevant stories contain caps every engine that ANDs.
    ceiling: float | None
    scores: dict[str, tuple[float, float]]  # engine -> (P@10, nDCG@10)


def evaluate(
    engines: dict[str, Engine], judgments: dict[str, set[str]], queries: Sequence[tuple[str, str]]
) -> list[Row]:
    rows = []
    matcher = next((e.matches for e in engines.values() if e.matches is not None), None)
    for topic, query in queries:
        relevant = {doc for doc, topics in judgments.items() if topic in topics}
        ceiling = None
        if matcher is not None:
            ceiling = min(DEPTH, len(relevant & matcher(query))) / DEPTH
        scores = {}
        for name, engine in engines.items():
            ranked = engine.rank(query)
            scores[name] = (precision(ranked, relevant), ndcg(ranked, relevant))
        rows.append(Row(topic, query, len(relevant), ceiling, scores))
    return rows


def means(rows: Sequence[Row], engine: str) -> tuple[float, float]:
    return (
        sum(row.scores[engine][0] for row in rows) / len(rows),
        sum(row.scores[engine][1] for row in rows) / len(rows),
    )


def mean_ceiling(rows: Sequence[Row]) -> float | None:
    ceilings = [row.ceiling for row in rows if row.ceiling is not None]
    return sum(ceilings) / len(ceilings) if len(ceilings) == len(rows) else None


def table(rows: Sequence[Row], engines: Sequence[str]) -> str:
    """The per-query table in Markdown, means last."""
    head = "| query | topic | relevant | ceiling P@10 | " + " | ".join(
        f"{e} P@10 | {e} nDCG@10" for e in engines
    )
    lines = [head + " |", "|" + "---|" * (4 + 2 * len(engines))]

    def ceiling(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    for row in rows:
        cells = " | ".join(f"{row.scores[e][0]:.2f} | {row.scores[e][1]:.3f}" for e in engines)
        lines.append(
            f"| {row.query} | {row.topic} | {row.relevant} | {ceiling(row.ceiling)} | {cells} |"
        )
    mean_cells = " | ".join(
        f"**{p:.3f}** | **{n:.3f}**" for p, n in (means(rows, e) for e in engines)
    )
    lines.append(
        f"| **mean** ({len(rows)} queries) | | | {ceiling(mean_ceiling(rows))} | {mean_cells} |"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="comma-separated, of " + ", ".join(ENGINES)
    )
    args = parser.parse_args()
    names = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENGINES]
    if unknown or not names:
        parser.error(f"unknown engines: {', '.join(unknown) or '(none)'}")
    source = args.corpora / "reuters21578"

    judgments = test_topics(source / ARCHIVE)
    with tempfile.TemporaryDirectory(prefix="vindex-relevance-") as tmp:
        work = Path(tmp)
        import_corpus("reuters", source, work / "reuters")
        articles = [a for a in load_articles(work / "reuters") if a["id"] in judgments]
        # Stories the import drops (no title and no body) can be no engine's answer.
        judgments = {a["id"]: judgments[a["id"]] for a in articles}
        print(f"TEST split: {len(articles):,} stories, {len(QUERIES)} topic queries", flush=True)
        engines: dict[str, Engine] = {}
        try:
            for name in names:
                started = time.perf_counter()
                engines[name] = ENGINES[name](articles, work)
                print(f"{name}: indexed in {time.perf_counter() - started:.1f} s", flush=True)
            rows = evaluate(engines, judgments, QUERIES)
        finally:
            for engine in engines.values():
                engine.close()
    print(table(rows, names))
    result: dict[str, Any] = {"stories": len(articles), "queries": len(rows)}
    if (ceiling := mean_ceiling(rows)) is not None:
        result["ceiling_p10"] = round(ceiling, 4)
    for name in names:
        p, n = means(rows, name)
        result[f"{name}_p10"] = round(p, 4)
        result[f"{name}_ndcg10"] = round(n, 4)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
