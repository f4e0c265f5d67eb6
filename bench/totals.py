"""Benchmark: does Vindex find as many articles as SQLite FTS5, and if not, why?

Builds the archive of `bench/search.py` (the Reuters import, or 100,000
articles recombined from it; `--n N` for one size), its Vindex index, and one
SQLite database with three FTS5 tables of the same title, lead and body:

- `unicode61`: FTS5's default tokenizer (accents folded), no stemming;
- `porter`: FTS5's Porter stemmer over it (what `bench/search.py` times);
- `snowball`: the text split as `unicode61` splits it, each word then
  analysed beforehand as Vindex's English fields analyse it (folded, stemmed
  by Whoosh's Snowball English "Porter2" unless a stop word): FTS5 with
  Vindex's stemming and nothing else of Vindex's analysis.

Every query of `bench/search.py` (sort and page dropped: they change no total)
then runs through all three and through two search cores, one with the
gazetteer (as served) and one with an empty gazetteer (no entity expansion).
Matches are compared as sets of article ids, and each difference from FTS5's
default (`unicode61`) gets the reason that measurement gives it:

- `same`: Vindex matches the articles FTS5 does;
- `stemming`: FTS5's `porter` table matches them (`stemming (Porter2)`:
  only the `snowball` table does, where the two stemmers differ);
- `expansion`: without entity expansion Vindex matches what `unicode61` does;
- `expansion+stemming`: ... what `porter` (or `snowball`) does;
- `phrase-positions`: what Vindex alone finds (against the closest table)
  are articles where a phrase's words are adjacent in Vindex's analysis of
  the text (`indexer.embedded.index.schema.analyzer_for`, positions as indexed) but not in
  the text itself (words it drops, such as stop words, lay between): a
  Vindex bug (issue 14 #5);
- `tokenization`: every article only one side finds has a query word that
  unicode61's split of the text makes and Vindex's does not (`Swiss.Bank.`
  is one word to Vindex, two to FTS5);
- `dropped-words`: FTS5 asked without the words Vindex's analysis drops
  (stop words) finds what Vindex finds: a Vindex bug (issue 14 #4);
- `other`: none of these; the articles only one side finds are counted and
  one of each is named (a Vindex bug until shown otherwise).

Issue 14's own kinds of query (`ISSUE_QUERIES`: OR with an entity's name,
case, stop words, phrases over stop words) follow in a second table.

    .venv/bin/python bench/totals.py [--n N] [--examples 1]
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

# The sibling module (bench/ is the script's folder, so it is on sys.path).
from search import (
    PORTER,
    QUERIES,
    ROOT,
    Fts5Table,
    build_fts5,
    describe,
    fts5_available,
    fts5_where,
    indexed_entities,
    load_articles,
    scale,
    to_fts5,
    write_corpus,
)
from whoosh.analysis import Analyzer

from indexer.archive.request import QueryTooBroad, SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import analyzer_for
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.entities.gazetteer import Gazetteer
from indexer.ingest.importers import import_corpus

# Issue 14's kinds of query on this archive, compared after bench/search.py's
# (totals only: they are not part of the timed set): OR with a word that
# names an entity, case, words Vindex drops, phrases over such words.
ISSUE_QUERIES: list[dict[str, Any]] = [
    {"q": q}
    for q in (
        "opec OR xyzzy",
        "opec OR gatt",
        "Opec",
        "OPEC",
        "vienna",
        "Vienna",
        "VIENNA",
        "(vienna OR geneva) opec",
        "title:opec OR title:gatt",
        "had",
        "before",
        "any",
        "their",
        "down",
        "all",
        "now",
        "controlled our",
        "controlled",
        '"dlrs debt"',
        '"dlrs of debt"',
        '"to be or not to be"',
        '"the who"',
        '"bank of england"',
        '"out of"',
    )
]

# unicode61's tokens: runs of letters and digits (an underscore separates).
_TOKENS = re.compile(r"[^\W_]+")
# Parameters that order or page the hits but do not change which articles match.
_PAGING = ("sort", "page", "per_page")
# FTS5's default, the reference of the comparison (the issue measured against it).
REFERENCE = "unicode61"
_PHRASES = re.compile(r'"([^"]*)"')
# A query's words, phrases (with a leading - or field:), parentheses and operators.
_QUERY_TOKENS = re.compile(r'-?(?:\w+:)?"[^"]*"|[()]|[^\s()]+')
_BAREWORD = re.compile(r"\w+")
_OPERATORS = ("OR", "AND", "NOT")


@functools.cache
def _vindex_word(word: str) -> str:
    # Vindex's English analysis of one word: folded, and stemmed by Snowball's
    # English stemmer unless it is a stop word (those are indexed unstemmed).
    return " ".join(t.text for t in analyzer_for("en")(word))


def snowball(text: str) -> str:
    """Text split as unicode61 splits it, each word then analysed as Vindex analyses English.

    So the `snowball` table differs from Vindex only in where words begin and
    end (Vindex keeps `U.S.` or `Swiss.Bank` whole), not in what a word becomes.
    """
    return " ".join(filter(None, map(_vindex_word, _TOKENS.findall(text))))


TABLES = (
    Fts5Table("unicode61", "unicode61 remove_diacritics 2"),
    PORTER,
    Fts5Table("snowball", "unicode61 remove_diacritics 2", snowball),
)
# Column names in the table (the porter table is `fts`, as bench/search.py names it).
LABELS = {"unicode61": "unicode61", "fts": "porter", "snowball": "snowball"}


def no_expansion() -> Gazetteer:
    """A gazetteer that names nothing: a query word expands to no entity."""
    return Gazetteer(entries=(), first_names=frozenset(), blocklist=frozenset())


@dataclass
class Row:
    """One query's matches per engine (None: the engine refused or cannot express it)."""

    params: dict[str, Any]
    matches: dict[str, frozenset[str] | None]
    reason: str = ""

    def total(self, engine: str) -> int | None:
        found = self.matches[engine]
        return None if found is None else len(found)


def classify(matches: dict[str, frozenset[str] | None]) -> str:
    """The measured reason why Vindex's matches differ from FTS5's default (see the docstring)."""
    vindex, bare = matches["vindex"], matches["vindex_bare"]
    reference = matches[REFERENCE]
    if vindex is None:
        return "refused"
    if reference is None:
        return "untranslatable"
    if vindex == reference:
        return "same"
    # FTS5's Porter first; then Vindex's own stemmer, where the two stemmers differ.
    for name, suffix in (("porter", ""), ("snowball", " (Porter2)")):
        if vindex == matches[name]:
            return "stemming" + suffix
    if bare == reference:
        return "expansion"
    for name, suffix in (("porter", ""), ("snowball", " (Porter2)")):
        if bare is not None and bare == matches[name]:
            return "expansion+stemming" + suffix
    return "other"


def unique_queries() -> list[dict[str, Any]]:
    """The query set without its sorts and pages, each request once, in order."""
    seen: set[str] = set()
    found = []
    for params in QUERIES:
        matching = {k: v for k, v in params.items() if k not in _PAGING}
        key = json.dumps(matching, sort_keys=True)
        if key not in seen:
            seen.add(key)
            found.append(matching)
    return found


class Fts5Matches:
    """The ids of the articles an FTS5 table matches for a request (filters and dates too)."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path)

    def close(self) -> None:
        self.con.close()

    def ids(self, request: SearchRequest, table: Fts5Table) -> frozenset[str] | None:
        clauses, params = fts5_where(request)
        if request.q:
            try:
                match = to_fts5(request.q, table.prepare)
            except ValueError:
                return None
            sql = (
                f"SELECT a.id FROM {table.name} JOIN article a ON a.rowid = {table.name}.rowid"
                f" WHERE {table.name} MATCH ?"
            )
            params = [match, *params]
            if clauses:
                sql += " AND " + " AND ".join(clauses)
        else:
            sql = "SELECT a.id FROM article a"
            if clauses:
                sql += " WHERE " + " AND ".join(clauses)
        return frozenset(row[0] for row in self.con.execute(sql, params))


class VindexMatches:
    """The ids of the articles a search core matches for a request."""

    def __init__(self, core: SearchCore) -> None:
        self.core = core
        self._ids: dict[str, np.ndarray[Any, Any]] = {}

    def ids(self, request: SearchRequest) -> frozenset[str] | None:
        try:
            matched = self.core.match(request)
        except QueryTooBroad:
            return None
        ids = self._ids.get(matched.generation)
        if ids is None:
            # Document number -> id, read once per index state from the id column.
            column = matched.searcher.reader().column_reader("id")
            ids = np.array(list(column), dtype=object)
            self._ids = {matched.generation: ids}
        return frozenset(ids[np.flatnonzero(matched.mask)].tolist())


def compare(
    queries: Sequence[dict[str, Any]],
    vindex: VindexMatches,
    bare: VindexMatches,
    fts5: Fts5Matches,
    articles: dict[str, dict[str, Any]],
) -> list[Row]:
    rows = []
    for params in queries:
        request = SearchRequest.from_params(params)
        matches: dict[str, frozenset[str] | None] = {
            "vindex": vindex.ids(request),
            "vindex_bare": bare.ids(request),
        }
        for table in TABLES:
            matches[LABELS[table.name]] = fts5.ids(request, table)
        row = Row(params, matches)
        row.reason = classify(matches)
        if row.reason == "other":
            row.reason = explain(row, articles, fts5, request)
        rows.append(row)
    return rows


def _adjacent(words: Sequence[str], positions: Sequence[tuple[str, int]]) -> bool:
    """Whether `words` occur at consecutive positions among (word, position) pairs."""
    at = {(word, position) for word, position in positions}
    starts = (position for word, position in positions if word == words[0])
    return any(all((w, p + i) in at for i, w in enumerate(words)) for p in starts)


def phrase_positions(q: str, article: dict[str, Any], analyzer: Analyzer | None = None) -> bool:
    """Whether a phrase of `q` is adjacent in Vindex's analysis of a field but not in its text.

    `analyzer`: Vindex's analysis of English (`analyzer_for("en")`) unless given.
    """
    analyzer = analyzer or analyzer_for("en")
    for phrase in _PHRASES.findall(q):
        ours = [t.text for t in analyzer(phrase)]
        words = snowball(phrase).split()
        if not ours or not words:
            continue
        for text in _fields(article):
            # The analyzer reuses one Token object: copy its fields as they come.
            indexed = [(t.text, t.pos) for t in analyzer(text, positions=True)]
            plain = list(zip(snowball(text).split(), range(1 << 30), strict=False))
            if _adjacent(ours, indexed) and not _adjacent(words, plain):
                return True
    return False


def _fields(article: dict[str, Any]) -> tuple[str, str, str]:
    """Title, lead and body as both engines index them."""
    lead = " ".join(p for p in (article.get("lead", ""), article.get("image_caption", "")) if p)
    return article["title"], lead, "\n\n".join(article.get("body", []))


def without_dropped(q: str, analyzer: Analyzer | None = None) -> str:
    """`q` without the words that Vindex's analysis drops, such as stop words.

    A phrase keeps its other words; one with none left goes, like a word.
    `analyzer`: Vindex's analysis of English (`analyzer_for("en")`) unless given.
    """
    analysis = analyzer or analyzer_for("en")

    def _indexed(word: str) -> bool:
        return any(True for _ in analysis(word))

    kept: list[str] = []
    for token in _QUERY_TOKENS.findall(q):
        if token.endswith('"') and '"' in token[:-1]:  # a phrase, maybe with - or field:
            start = token.index('"')
            words = [w for w in _BAREWORD.findall(token[start:]) if _indexed(w)]
            if words:
                kept.append(token[:start] + '"' + " ".join(words) + '"')
            continue
        word = token.lstrip("-").split(":")[-1]
        if word in _OPERATORS or not _BAREWORD.fullmatch(word) or _indexed(word):
            kept.append(token)
    # An operator left without an operand on one side goes too: `(oil OR the)`.
    tidy: list[str] = []
    for token in kept:
        if token in _OPERATORS and (not tidy or tidy[-1] in (*_OPERATORS, "(")):
            continue
        if token == ")" and tidy and tidy[-1] in _OPERATORS:
            tidy.pop()
        tidy.append(token)
    while tidy and tidy[-1] in _OPERATORS:
        tidy.pop()
    return " ".join(tidy)


def tokenization(q: str, article: dict[str, Any], analyzer: Analyzer | None = None) -> bool:
    """Whether a word of `q` is a word of a field split as unicode61 splits, but not as Vindex does.

    Vindex's tokens run over inner full stops (`Swiss.Bank.`, `HADS.O` are one
    word each); FTS5 splits them.
    """
    analyzer = analyzer or analyzer_for("en")
    words = set(snowball(_PHRASES.sub(lambda m: m.group(1), q).replace("*", "")).split())
    words -= {_vindex_word(w) for w in _OPERATORS}
    for text in _fields(article):
        ours = {t.text for t in analyzer(text)}
        if any(w not in ours for w in words & set(snowball(text).split())):
            return True
    return False


def explain(
    row: Row, articles: dict[str, dict[str, Any]], fts5: Fts5Matches, request: SearchRequest
) -> str:
    """A measured reason for what `classify` left as `other`, or `other`."""
    closest = _closest(row)
    bare = row.matches["vindex_bare"] or frozenset()
    theirs = row.matches[closest] or frozenset()
    only_vindex, only_fts5 = bare - theirs, theirs - bare
    q = row.params.get("q", "")
    if only_vindex and not only_fts5 and all(phrase_positions(q, articles[i]) for i in only_vindex):
        return "phrase-positions"
    if all(tokenization(q, articles[i]) for i in only_vindex | only_fts5):
        return "tokenization"
    # Words Vindex does not index: FTS5 without them finds what Vindex finds.
    shorter = without_dropped(q)
    if shorter != q:
        table = next(t for t in TABLES if LABELS[t.name] == closest)
        if not shorter.strip(" ()"):
            dropped: frozenset[str] | None = frozenset()
        else:
            dropped = fts5.ids(replace(request, q=shorter), table)
        if dropped == bare:
            return "dropped-words"
    return "other"


def _closest(row: Row) -> str:
    """The FTS5 table whose matches differ least from Vindex's without expansion."""
    bare = row.matches["vindex_bare"] or frozenset()
    tables = [name for name in ("unicode61", "porter", "snowball") if row.matches[name] is not None]
    return min(tables, key=lambda name: len(bare ^ (row.matches[name] or frozenset())))


def report(rows: Sequence[Row], titles: dict[str, str], examples: int) -> dict[str, Any]:
    """Print the table, the counts per reason and the unexplained differences."""
    columns = ("vindex", "unicode61", "porter", "snowball", "vindex_bare")
    heads = ("Vindex", "FTS5 unicode61", "FTS5 porter", "FTS5 snowball", "Vindex no expansion")
    print("\n| query | " + " | ".join(heads) + " | reason |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        cells = ["-" if row.total(c) is None else f"{row.total(c):,}" for c in columns]
        print(f"| `{describe(row.params)}` | " + " | ".join(cells) + f" | {row.reason} |")
    counts = Counter(row.reason for row in rows)
    print("\nreasons: " + ", ".join(f"{reason} {count}" for reason, count in counts.most_common()))
    explained = ("same", "stemming", "expansion")
    others = [row for row in rows if not row.reason.startswith(explained)]
    if others:
        print(
            "\nunexplained differences (Vindex without expansion against the closest FTS5 table):"
        )
    details = []
    for row in others:
        if row.reason in ("refused", "untranslatable"):
            print(f"- {describe(row.params)}: {row.reason}")
            continue
        closest = _closest(row)
        bare = row.matches["vindex_bare"] or frozenset()
        theirs = row.matches[closest] or frozenset()
        only_vindex, only_fts5 = sorted(bare - theirs), sorted(theirs - bare)
        print(
            f"- {describe(row.params)}: {row.reason}; against {closest}, {len(only_vindex):,}"
            f" only in Vindex, {len(only_fts5):,} only in FTS5"
        )
        for label, ids in (("only Vindex", only_vindex), ("only FTS5", only_fts5)):
            for article_id in ids[:examples]:
                print(f"    {label}: {article_id} {titles.get(article_id, '')!r}")
        details.append(
            {
                "query": row.params,
                "reason": row.reason,
                "closest": closest,
                "only_vindex": len(only_vindex),
                "only_fts5": len(only_fts5),
            }
        )
    return {"reasons": dict(counts), "other": details}


def invariants(rows: Sequence[Row]) -> list[str]:
    """What a reader expects of Vindex's totals whatever FTS5 says, and where it fails.

    Queries that differ only in case find the same articles; `A OR B` finds at
    least what `A` and `B` find (among queries of words alone).
    """
    by_q = {row.params["q"]: row for row in rows if list(row.params) == ["q"]}
    broken = []
    cases: dict[str, list[Row]] = {}
    for q, row in by_q.items():
        cases.setdefault(q.lower(), []).append(row)
    for group in cases.values():
        totals = {row.params["q"]: row.total("vindex") for row in group}
        if len(set(totals.values())) > 1:
            broken.append("case: " + ", ".join(f"{q!r} {t}" for q, t in totals.items()))
    for q, row in by_q.items():
        parts = q.split(" OR ")
        total = row.total("vindex")
        for part in parts if len(parts) > 1 else ():
            alone = by_q.get(part)
            if alone is not None and total is not None and (alone.total("vindex") or 0) > total:
                broken.append(f"OR: {q!r} {total} < {part!r} {alone.total('vindex')}")
    return broken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help="archive size (default: the Reuters import)")
    parser.add_argument("--examples", type=int, default=1, help="article ids shown per side")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    if args.n is not None and args.n < 1:
        parser.error("--n must be at least 1")
    if not fts5_available():
        parser.error("this Python's SQLite lacks ENABLE_FTS5")

    with tempfile.TemporaryDirectory(prefix="vindex-totals-") as tmp:
        work = args.keep or Path(tmp)
        started = time.perf_counter()
        import_corpus("reuters", args.corpora / "reuters21578", work / "reuters")
        base = load_articles(work / "reuters")
        n = args.n or len(base)
        articles = scale(base, n)
        write_corpus(articles, work / f"corpus-{n}")
        location = IndexLocation(work / f"index-{n}")
        build = update_index(location, work / f"corpus-{n}", rebuild=True)
        print(f"vindex: {build.indexed:,} articles in {build.seconds:.0f} s", flush=True)
        db = work / f"fts5-{n}.sqlite"
        build_seconds = build_fts5(articles, db, indexed_entities(location), TABLES)
        print(f"fts5: 3 tables in {build_seconds:.0f} s", flush=True)

        live = LiveIndex(location)
        served, plain = SearchCore(live), SearchCore(live, gazetteer=no_expansion())
        fts5 = Fts5Matches(db)
        seconds = time.perf_counter()
        by_id = {a["id"]: a for a in articles}
        rows = compare(unique_queries(), VindexMatches(served), VindexMatches(plain), fts5, by_id)
        issue = compare(ISSUE_QUERIES, VindexMatches(served), VindexMatches(plain), fts5, by_id)
        print(f"{len(rows) + len(issue)} queries compared in {time.perf_counter() - seconds:.0f} s")
        titles = {i: a["title"] for i, a in by_id.items()}
        print("\n## bench/search.py's queries")
        summary = report(rows, titles, args.examples)
        print("\n## issue 14's kinds of query")
        summary["issue"] = report(issue, titles, args.examples)
        broken = invariants([*rows, *issue])
        print("\ninvariants (case, OR): " + ("all hold" if not broken else ""))
        for line in broken:
            print(f"- {line}")
        summary["invariants_broken"] = broken
        for core in (served, plain):
            core.close()
        live.close()
        fts5.close()
        summary.update(n=n, queries=len(rows), seconds=round(time.perf_counter() - started))
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
