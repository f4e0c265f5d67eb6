"""Benchmark: query latency of the core, in-process and through HTTP, against FTS5 and tantivy.

Imports Reuters-21578 from ../shared/corpora into a temporary corpus and, for
each size, writes a corpus of that many articles, builds the Vindex index with
`update_index(..., rebuild=True)` and loads the same articles into the peers.
It then replays a fixed set of queries (words, phrases, OR / NOT, prefixes,
title:, filters, dates, sorts, pages), timing each call with
`time.perf_counter`, on four engines:

- **vindex**: `SearchCore.search` in this process (hits with highlights, all facets);
- **vindex http**: the same requests as GET /api/search to a real `vindex
  serve` (one worker, same index) through one keep-alive connection
  (`search_http`): its p50 minus vindex's is what the web stack adds;
- **fts5**: an FTS5 implementation of the same request (bm25 with title >
  lead > body, the same filters, snippet()/highlight(), total and the same
  disjunctive facets), file-backed SQLite;
- **tantivy** (the `bench` extra): the same request through tantivy-py
  (`search_tantivy`, whose docstring says what it does not do that Vindex does).

Sizes: the Reuters import (~21.5k articles), then 100k articles made by
recombining real paragraphs (deterministic: a seeded generator); `--n N` picks
one size (a smaller N is a deterministic sample of the import). `--index DIR
--corpus DIR` measure a built index and its corpus instead (e.g. the 100k one
`vindex index --rebuild` made from this generator's corpus): both are only
read. `--keep DIR` keeps the peers' databases there and reuses them on the
next run (they are rebuilt when absent). A warm-up pass (not measured) comes
first, so that opening the searcher and building the facet arrays are not
counted; the very first query is reported as "cold". Each of `--runs` runs
replays every query once on every engine (interleaved, so that all see the
same load on a shared machine); the figures are the medians of the per-run
p50/p95/p99, one table per size, then one JSON line.

    .venv/bin/python bench/search.py [--n N] [--runs 3] [--engines vindex,http,fts5,tantivy]
    .venv/bin/python bench/search.py --index /tmp/i100k --corpus /tmp/c100k --keep /tmp/peers
"""

from __future__ import annotations

import argparse
import gc
import html
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

# Siblings in bench/ (on the path of a script run as `python bench/search.py`).
from search_http import HttpSearch
from search_tantivy import TantivySearch, build_tantivy

from indexer.archive.request import SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.columns import split_names
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.result_facets import RESULT_FACET_LIMIT
from indexer.ingest.dates import VIENNA
from indexer.ingest.importers import import_corpus

ROOT = Path(__file__).resolve().parents[1]
SCALED_SIZE = 100_000
CHUNK = 1000  # articles per corpus file, like the importers write
SEED = 1987  # the synthetic archive must be the same on every run and machine
# The FTS5 engine lists as many values per facet as the search core does by default.
FACET_LIMIT = RESULT_FACET_LIMIT
SECTION_SEPARATOR = " > "
ENTITY_TYPES = ("person", "organization", "place")

# The fixed query set, in Vindex syntax (SPEC §6); each item is the parameter
# mapping of a search request. Kinds: plain words (all must match), phrases,
# OR / NOT / -word, prefix*, title:, filters (with and without words, two values
# of one filter, two filters), date ranges within 1987, sorts and later pages.
QUERIES: list[dict[str, Any]] = [
    # single words
    *(
        {"q": word}
        for word in (
            "cocoa",
            "oil",
            "gold",
            "coffee",
            "sugar",
            "wheat",
            "corn",
            "copper",
            "dollar",
            "yen",
            "opec",
            "tokyo",
            "bank",
            "earnings",
            "dividend",
            "merger",
            "acquisition",
            "tariffs",
            "inflation",
            "unemployment",
            "bundesbank",
            "crude",
            "gasoline",
            "shipping",
            "strike",
            "profit",
            "shares",
            "debt",
            "brazil",
            "reagan",
            "volcker",
            "soybeans",
            "rubber",
            "deficit",
            "elections",
        )
    ),
    # several words (AND)
    *(
        {"q": words}
        for words in (
            "interest rates",
            "oil prices",
            "trade surplus japan",
            "central bank intervention",
            "crude oil output",
            "wheat export subsidies",
            "quarterly dividend",
            "net loss",
            "tender offer",
            "debt rescheduling",
            "first quarter earnings",
            "stock exchange",
            "grain exports soviet",
            "coffee quotas",
            "gold mine",
        )
    ),
    # phrases
    *(
        {"q": f'"{phrase}"'}
        for phrase in (
            "money supply",
            "trade deficit",
            "interest rates",
            "stock split",
            "tender offer",
            "crude oil",
            "central bank",
            "federal reserve",
            "world bank",
            "european community",
            "net income",
            "budget deficit",
            "oil prices",
            "export subsidies",
            "exchange rates",
        )
    ),
    # boolean
    {"q": "oil -opec"},
    {"q": "coffee OR cocoa"},
    {"q": "gold OR silver"},
    {"q": "wheat OR corn"},
    {"q": "bank -england"},
    {"q": "dollar NOT yen"},
    {"q": "(oil OR gas) prices"},
    {"q": '"trade deficit" -japan'},
    {"q": "sugar OR cocoa OR coffee"},
    {"q": "earnings -loss"},
    {"q": "copper OR zinc OR nickel"},
    {"q": '"interest rates" OR "money supply"'},
    # prefixes and fields
    {"q": "petro*"},
    {"q": "export*"},
    {"q": "bank*"},
    {"q": "invest*"},
    {"q": "refin*"},
    {"q": "acqui*"},
    {"q": "econom*"},
    {"q": "currenc*"},
    {"q": "title:cocoa"},
    {"q": "title:opec"},
    {"q": "title:dividend"},
    # filters with words
    {"q": "cocoa", "place": ["Ivory Coast"]},
    {"q": "prices", "section": ["Commodities"]},
    {"q": "oil", "section": ["Energy"]},
    {"q": "dollar", "section": ["Markets > Foreign Exchange"]},
    {"q": "trade", "place": ["United States"]},
    {"q": "trade", "place": ["Japan"]},
    {"q": "yen", "place": ["Japan"]},
    {"q": "trade", "place": ["United States", "Japan"]},
    {"q": "dollar", "person": ["James Baker"]},
    {"q": "rates", "person": ["Paul Volcker"]},
    {"q": "oil", "organization": ["OPEC"]},
    {"q": "output", "organization": ["OPEC"]},
    {"q": "sugar", "organization": ["European Community"]},
    {"q": "coffee", "section": ["Commodities"], "place": ["Brazil"]},
    {"q": "bank", "language": ["en"]},
    {"q": "dividend", "section": ["Corporate > Earnings"]},
    {"q": "wheat", "section": ["Commodities > Grains"], "place": ["United States"]},
    {"q": "loan", "section": ["Corporate", "Economy"]},
    {"q": "budget", "person": ["Ronald Reagan"], "place": ["United States"]},
    {"q": "gold", "place": ["South Africa", "Canada", "Australia"]},
    # dates within 1987
    {"q": "oil", "from": "1987-03", "to": "1987-03"},
    {"q": "gold", "from": "1987-04-01", "to": "1987-06-30"},
    {"q": "dollar", "from": "1987-10"},
    {"q": "stock", "to": "1987-03-15"},
    {"q": "trade", "place": ["Japan"], "from": "1987-04", "to": "1987-05"},
    {"q": "opec", "from": "1987", "to": "1987"},
    # filters only (browsing: newest first, leads as snippets)
    {"section": ["Commodities"]},
    {"place": ["Japan"]},
    {"organization": ["OPEC"]},
    {"section": ["Energy > Crude Oil"], "from": "1987-03"},
    {"person": ["James Baker"], "sort": "oldest"},
    {"from": "1987-10-01", "to": "1987-10-20"},
    # sorts and pages
    {"q": "oil", "sort": "newest"},
    {"q": "cocoa", "sort": "oldest"},
    {"q": "bank", "page": "2"},
    {"q": "earnings", "sort": "newest", "page": "2"},
    {"q": "dollar", "place": ["Japan"], "sort": "newest"},
    {"q": "gold", "page": "3", "per_page": "20"},
    {"q": '"money supply"', "page": "2"},
    {"q": "shares", "per_page": "50"},
    {"q": "petro*", "sort": "newest"},
    {"q": "coffee OR cocoa", "section": ["Commodities"], "page": "2"},
]

# Queries whose totals are printed for both engines: they may differ (Vindex stems
# English with Snowball's "Porter2", FTS5 with Porter's first stemmer) but should
# be close. bench/totals.py compares every query's matches and says why they differ.
SANITY = ("cocoa", '"money supply"', "oil -opec", "coffee OR cocoa", "petro*")


# -- the corpus ----------------------------------------------------------------


def load_articles(corpus: Path) -> list[dict[str, Any]]:
    """The article mappings of an imported corpus, in file order."""
    articles: list[dict[str, Any]] = []
    for path in sorted(corpus.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            articles.extend(json.loads(line) for line in handle if line.strip())
    return articles


def scale(base: Sequence[dict[str, Any]], n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """`n` articles: a sample of `base` when smaller, else `base` plus synthetic ones.

    A synthetic article `synth-N` takes a real article's title, section, date,
    dateline and entities and as many paragraphs as that article has, drawn
    from other real articles of the same section (of the same top-level
    section when the section has a single article). So the text is real wire
    prose and word statistics stay close to the original's, while the
    articles are new documents for the index.
    """
    rng = random.Random(seed)
    if n <= len(base):
        if n == len(base):
            return list(base)
        return [base[i] for i in sorted(rng.sample(range(len(base)), n))]
    # Paragraph pools, (owner, paragraph), per section, per top-level section
    # ("Commodities > " holds all of Commodities' sub-sections) and overall ("").
    pools: dict[str, list[tuple[int, str]]] = defaultdict(list)
    owners: dict[str, set[int]] = defaultdict(set)
    for index, article in enumerate(base):
        section = article.get("section", "")
        keys = (section, section.split(SECTION_SEPARATOR)[0] + SECTION_SEPARATOR, "")
        for paragraph in article.get("body", []):
            for key in keys:
                pools[key].append((index, paragraph))
                owners[key].add(index)
    articles = list(base)
    for number in range(1, n - len(base) + 1):
        index = rng.randrange(len(base))
        template = base[index]
        section = template.get("section", "")
        key = next(
            k
            for k in (section, section.split(SECTION_SEPARATOR)[0] + SECTION_SEPARATOR, "")
            if len(owners[k]) > 1 or (owners[k] and index not in owners[k])
        )
        pool = pools[key]
        count = max(1, len(template.get("body", [])))
        body: list[str] = []
        while len(body) < count:
            owner, paragraph = pool[rng.randrange(len(pool))]
            if owner != index:
                body.append(paragraph)
        synthetic = dict(template)
        synthetic["id"] = f"synth-{number}"
        synthetic["body"] = body
        synthetic.pop("lead", None)
        synthetic.pop("url", None)
        articles.append(synthetic)
    return articles


def write_corpus(articles: Sequence[dict[str, Any]], folder: Path) -> int:
    """JSON Lines files of at most CHUNK articles each; returns the number of files."""
    folder.mkdir(parents=True)
    files = 0
    for start in range(0, len(articles), CHUNK):
        lines = (json.dumps(a, ensure_ascii=False) for a in articles[start : start + CHUNK])
        (folder / f"bench-{files:04d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        files += 1
    return files


# -- FTS5 ------------------------------------------------------------------------

# Markers for highlight()/snippet(): the text is HTML-escaped after FTS5 has
# marked it, as Vindex escapes article text, and then they become <mark>.
_OPEN, _CLOSE = "\x02", "\x03"
_BAREWORD = re.compile(r"[A-Za-z0-9_]+")
_TOKEN = re.compile(r'-?"[^"]*"|[()]|[^\s()]+')


def fts5_available() -> bool:
    options = {row[0] for row in sqlite3.connect(":memory:").execute("pragma compile_options")}
    return "ENABLE_FTS5" in options


def to_fts5(q: str, prepare: Callable[[str], str] | None = None) -> str:
    """The fixed query set's syntax in FTS5's: words, "phrases", OR, NOT/-, prefix*, title:.

    FTS5's NOT is binary (`a NOT b`), like Vindex's `a -b`; words that are
    not plain barewords (`u.s.`) are quoted, which FTS5 reads as a phrase of
    their tokens. `prepare` is the text preparation of the table searched
    (`Fts5Table.prepare`): the words and phrases go through it, quoted, and
    prefixes stay as written, as FTS5 matches them against the indexed tokens.
    Raises ValueError for what FTS5 cannot express (a leading NOT).
    """
    out: list[str] = []

    def operand(text: str) -> None:
        # FTS5 joins adjacent phrases by an implicit AND, but not a phrase and
        # a (group): spell every AND out.
        if out and out[-1] not in ("(", "OR", "AND", "NOT"):
            out.append("AND")
        out.append(text)

    for token in _TOKEN.findall(q):
        negated = token.startswith("-") and len(token) > 1
        if negated:
            token = token[1:]
        if token in (")", "OR", "AND"):
            out.append(token)
            continue
        if token == "NOT":
            negated, token = True, ""
        if negated:
            if not out or out[-1] in ("(", "OR", "AND", "NOT"):
                raise ValueError(f"FTS5 has no unary NOT: {q!r}")
            out.append("NOT")
        if not token:
            continue
        if token == "(":
            operand(token)
            continue
        column = ""
        if ":" in token and not token.startswith('"'):
            column, token = token.split(":", 1)
            column = f"{column} : "
        if token.endswith("*") and _BAREWORD.fullmatch(token[:-1]):
            operand(column + token.lower())
        elif prepare is not None:
            operand(column + '"' + prepare(token.strip('"')).replace('"', '""') + '"')
        elif token.startswith('"'):
            operand(column + '"' + token.strip('"').replace('"', '""') + '"')
        elif _BAREWORD.fullmatch(token):
            # Lower case: an upper-case AND/OR/NOT/NEAR would be an operator.
            operand(column + token.lower())
        else:
            operand(column + '"' + token.replace('"', '""') + '"')
    return " ".join(out)


def _utc_text(moment: datetime) -> str:
    """Naive UTC, fixed width: compares as text the way the datetimes compare."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def indexed_entities(location: IndexLocation) -> dict[str, dict[str, list[str]]]:
    """The entities Vindex indexed per article id (given ones plus those it extracted).

    FTS5 gets the same entities, so that both engines count the same facets.
    """
    found: dict[str, dict[str, list[str]]] = {}
    ix = location.open()
    try:
        with ix.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                found[stored["id"]] = {kind: split_names(stored.get(kind)) for kind in ENTITY_TYPES}
    finally:
        ix.close()
    return found


@dataclass(frozen=True)
class Fts5Table:
    """One FTS5 table of the articles' title, lead and body.

    `prepare`, when given, rewrites the text before FTS5 sees it (and the
    words of a query, through `to_fts5`): how a table gets an analysis that
    SQLite has no tokenizer for, such as another stemmer.
    """

    name: str
    tokenize: str
    prepare: Callable[[str], str] | None = None


# The table that `Fts5Search` answers from: FTS5's Porter stemmer, accents folded.
PORTER = Fts5Table("fts", "porter unicode61 remove_diacritics 2")


def build_fts5(
    articles: Sequence[dict[str, Any]],
    path: Path,
    entities: dict[str, dict[str, list[str]]] | None = None,
    tables: Sequence[Fts5Table] = (PORTER,),
) -> float:
    """Load the articles into a new SQLite database; returns the seconds it took.

    `entities` (by article id) replaces the articles' own entities when given;
    `tables` are the FTS5 tables of the text (all with the same rowids).
    """
    started = time.perf_counter()
    con = sqlite3.connect(path)
    # Bulk load: durability is irrelevant for a throwaway benchmark database.
    con.executescript(
        """
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE article (
            rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT, section TEXT,
            published TEXT, year TEXT, month TEXT, language TEXT, source TEXT
        );
        CREATE TABLE article_entity (article INTEGER, type TEXT, name TEXT);
        """
    )
    for table in tables:
        con.execute(
            f"CREATE VIRTUAL TABLE {table.name} USING fts5("
            f"title, lead, body, tokenize = '{table.tokenize}')"
        )
    with con:
        for rowid, data in enumerate(articles, start=1):
            published = datetime.fromisoformat(data["published"])
            if published.tzinfo is None:
                published = published.replace(tzinfo=VIENNA)
            # Years and months are counted in Vienna time, as the core does.
            local = published.astimezone(VIENNA)
            con.execute(
                "INSERT INTO article VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rowid,
                    data["id"],
                    data["title"],
                    data.get("section", ""),
                    _utc_text(published),
                    f"{local:%Y}",
                    f"{local:%Y-%m}",
                    data.get("language", ""),
                    data.get("source", ""),
                ),
            )
            lead = " ".join(p for p in (data.get("lead", ""), data.get("image_caption", "")) if p)
            text = (data["title"], lead, "\n\n".join(data.get("body", [])))
            for table in tables:
                prepared = text if table.prepare is None else tuple(map(table.prepare, text))
                con.execute(
                    f"INSERT INTO {table.name} (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
                    (rowid, *prepared),
                )
            found = entities.get(data["id"]) if entities is not None else None
            named = found if found is not None else data.get("entities", {})
            con.executemany(
                "INSERT INTO article_entity VALUES (?, ?, ?)",
                [(rowid, kind, name) for kind in ENTITY_TYPES for name in named.get(kind, [])],
            )
    con.executescript(
        """
        CREATE INDEX article_section ON article (section);
        CREATE INDEX article_published ON article (published);
        CREATE INDEX article_year ON article (year, month);
        CREATE INDEX article_language ON article (language);
        CREATE INDEX entity_article ON article_entity (article, type, name);
        CREATE INDEX entity_name ON article_entity (type, name, article);
        """
    )
    # Committed: with the journal off, the rollback of an open transaction at
    # close() would leave a corrupt database.
    with con:
        for table in tables:
            con.execute(f"INSERT INTO {table.name} ({table.name}) VALUES ('optimize')")
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


def fts5_where(request: SearchRequest, exclude: str | None = None) -> tuple[list[str], list[Any]]:
    """SQL conditions on `article a` for a request's filters and dates, and their parameters.

    `exclude` leaves out one restriction (a filter name or "date"), as a
    disjunctive facet is counted.
    """
    clauses: list[str] = []
    params: list[Any] = []
    for name, values in request.filters:
        if name == exclude:
            continue
        if name == "section":
            # A parent section includes its children.
            ors = ["(a.section = ? OR a.section LIKE ? || ' > %')"] * len(values)
            for value in values:
                params += [value, value]
        elif name in ENTITY_TYPES:
            marks = ", ".join("?" * len(values))
            ors = [
                "EXISTS (SELECT 1 FROM article_entity e WHERE e.article = a.rowid"
                f" AND e.type = ? AND e.name IN ({marks}))"
            ]
            params += [name, *values]
        else:  # language, source: one value per article
            ors = [f"a.{name} IN ({', '.join('?' * len(values))})"]
            params += list(values)
        clauses.append("(" + " OR ".join(ors) + ")")
    if exclude != "date":
        start, end = request.published_range()
        if start is not None:
            clauses.append("a.published >= ?")
            params.append(_utc_text(start))
        if end is not None:
            clauses.append("a.published <= ?")
            params.append(_utc_text(end))
    return clauses, params


class Fts5Search:
    """The same request as `SearchCore.search`, answered by SQLite FTS5.

    The matching set is materialised once per request into a temporary table
    with the article's single-valued facet columns (and once more per facet
    that has a selection of its own, since such a facet is counted without its
    own filter); total, hits and facets are then read against it, which is how
    one would write this by hand. The joins that count entities are forced to
    walk the matched rows (CROSS JOIN): the planner has no statistics for a
    temporary table and would otherwise scan every entity of the archive.
    """

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, isolation_level=None)
        self.con.executescript(
            """
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -65536;
            PRAGMA mmap_size = 1073741824;
            """
        )
        for table in ("matched", "facet_set"):
            self.con.execute(
                f"CREATE TEMP TABLE {table} (rowid INTEGER PRIMARY KEY,"
                " section TEXT, year TEXT, month TEXT, language TEXT, published TEXT)"
            )
        # Where each set's rows are: its temporary table, or `article` when the
        # set is the whole archive (a facet without its only filter); copying
        # 100k rows to count them would measure the copy, not the counting.
        self.source = {"matched": "temp.matched", "facet_set": "temp.facet_set"}

    def close(self) -> None:
        self.con.close()

    def _where(self, request: SearchRequest, exclude: str | None) -> tuple[list[str], list[Any]]:
        return fts5_where(request, exclude)

    def _fill(
        self, table: str, request: SearchRequest, match: str | None, exclude: str | None
    ) -> None:
        clauses, params = self._where(request, exclude)
        columns = "a.rowid, a.section, a.year, a.month, a.language, a.published"
        if match is not None:
            sql = (
                f"INSERT INTO temp.{table} SELECT {columns} FROM fts"
                " JOIN article a ON a.rowid = fts.rowid WHERE fts MATCH ?"
            )
            params = [match, *params]
            if clauses:
                sql += " AND " + " AND ".join(clauses)
        else:
            sql = f"INSERT INTO temp.{table} SELECT {columns} FROM article a"
            if clauses:
                sql += " WHERE " + " AND ".join(clauses)
        self.con.execute(f"DELETE FROM temp.{table}")
        if match is None and not clauses:
            self.source[table] = "article"
            return
        self.source[table] = f"temp.{table}"
        self.con.execute(sql, params)

    def search(self, request: SearchRequest) -> dict[str, Any]:
        match = to_fts5(request.q) if request.q else None
        self._fill("matched", request, match, None)
        total = self.con.execute(f"SELECT count(*) FROM {self.source['matched']}").fetchone()[0]
        hits = self._hits(request, match, total)
        # The entity facets without a selection of their own are counted in
        # one pass over the matched articles' entities.
        shared = self._entity_counts("matched")
        facets = {}
        for name in ("section", "year", "person", "organization", "place", "language"):
            own = "date" if name == "year" else name
            has_own = (
                bool(request.values(name))
                if own != "date"
                else (request.date_from is not None or request.date_to is not None)
            )
            table = "matched"
            if has_own:
                self._fill("facet_set", request, match, own)
                table = "facet_set"
            facets[name] = self._facet(name, table, request.values(name), shared)
        year = request.year
        if year is not None:
            rows = self.con.execute(
                f"SELECT month, count(*) FROM {self.source['matched']} WHERE year = ?"
                " GROUP BY month ORDER BY month DESC",
                [str(year)],
            ).fetchall()
            facets["month"] = {
                "values": [{"value": v, "count": c, "selected": False} for v, c in rows],
                "distinct": len(rows),
            }
        return {"total": total, "hits": hits, "facets": facets}

    def _hits(self, request: SearchRequest, match: str | None, total: int) -> list[dict[str, Any]]:
        offset = (request.page - 1) * request.per_page
        if offset >= total:
            return []
        # First the page's rowids, then the text of those rows only: SQLite
        # evaluates a SELECT's columns for every row it sorts, so snippet()
        # next to ORDER BY ... LIMIT would run for every matching article.
        if match is not None and request.sort == "relevance":
            ranked = self.con.execute(
                "SELECT fts.rowid FROM fts JOIN temp.matched m ON m.rowid = fts.rowid"
                " WHERE fts MATCH ? ORDER BY bm25(fts, 3.0, 1.5, 1.0), m.published DESC"
                " LIMIT ? OFFSET ?",
                [match, request.per_page, offset],
            ).fetchall()
        else:
            direction = "ASC" if request.sort == "oldest" else "DESC"
            ranked = self.con.execute(
                f"SELECT rowid FROM {self.source['matched']} ORDER BY published {direction}"
                " LIMIT ? OFFSET ?",
                [request.per_page, offset],
            ).fetchall()
        rowids = [row[0] for row in ranked]
        marks = ", ".join("?" * len(rowids))
        if match is not None:
            # One lookup per hit: FTS5 seeks on `rowid = ?` but not on `rowid IN`.
            texts = [
                self.con.execute(
                    "SELECT rowid, highlight(fts, 0, ?, ?), snippet(fts, 1, ?, ?, '…', 24),"
                    " snippet(fts, 2, ?, ?, '…', 64), bm25(fts, 3.0, 1.5, 1.0)"
                    " FROM fts WHERE fts MATCH ? AND rowid = ?",
                    [_OPEN, _CLOSE] * 3 + [match, rowid],
                ).fetchone()
                for rowid in rowids
            ]
        else:
            # No words: the lead (or the body's start) as the snippet.
            texts = self.con.execute(
                "SELECT rowid, title, substr(lead, 1, 200),"
                " CASE WHEN lead = '' THEN substr(body, 1, 200) ELSE '' END, 0.0"
                f" FROM fts WHERE rowid IN ({marks})",
                rowids,
            ).fetchall()
        text_of = {row[0]: row[1:] for row in texts}
        meta = {
            row[0]: row[1:]
            for row in self.con.execute(
                "SELECT rowid, id, section, published, language, source FROM article"
                f" WHERE rowid IN ({marks})",
                rowids,
            )
        }
        entities: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for rowid, kind, name in self.con.execute(
            f"SELECT article, type, name FROM article_entity WHERE article IN ({marks})", rowids
        ):
            entities[rowid][kind].append(name)
        hits = []
        for rowid in rowids:
            title, lead, body, score = text_of[rowid]
            article_id, section, published, language, source = meta[rowid]
            hits.append(
                {
                    "id": article_id,
                    "title_html": _marked(title),
                    "snippet_html": " … ".join(_marked(s) for s in (lead, body) if s),
                    "section": section,
                    "published": published,
                    "language": language,
                    "source": source,
                    "score": -score,
                    "entities": {kind: entities[rowid].get(kind, []) for kind in ENTITY_TYPES},
                }
            )
        return hits

    def _entity_counts(self, table: str) -> dict[str, list[tuple[str, int]]]:
        """(name, count) pairs per entity type over the articles of a temporary table.

        All types in one pass, with no condition on the type: any WHERE on
        `article_entity` makes SQLite build a Bloom filter over the whole
        table first (tens of ms at 100k articles), whatever index it uses.
        """
        counts: dict[str, list[tuple[str, int]]] = {kind: [] for kind in ENTITY_TYPES}
        sql = (
            f"SELECT e.type, e.name, count(*) FROM {self.source[table]} m"
            " CROSS JOIN article_entity e ON e.article = m.rowid GROUP BY e.type, e.name"
        )
        if self.source[table] == "article":
            sql = "SELECT type, name, count(*) FROM article_entity GROUP BY type, name"
        for kind, name, count in self.con.execute(sql):
            counts[kind].append((name, count))
        return counts

    def _facet(
        self,
        name: str,
        table: str,
        selected: Iterable[str],
        shared: dict[str, list[tuple[str, int]]],
    ) -> dict[str, Any]:
        if name in ENTITY_TYPES:
            counted = shared if table == "matched" else self._entity_counts(table)
            ranked = sorted(counted[name], key=lambda item: (-item[1], item[0]))
            top, distinct = ranked[:FACET_LIMIT], len(ranked)
        elif name == "section":
            # One section per article: roll each path's count up to its parents.
            tree: dict[str, int] = defaultdict(int)
            for section, count in self.con.execute(
                f"SELECT section, count(*) FROM {self.source[table]} WHERE section != ''"
                " GROUP BY section"
            ):
                parts = section.split(SECTION_SEPARATOR)
                for depth in range(1, len(parts) + 1):
                    tree[SECTION_SEPARATOR.join(parts[:depth])] += count
            ranked = sorted(tree.items(), key=lambda item: (-item[1], item[0]))
            tops = [item for item in ranked if SECTION_SEPARATOR not in item[0]]
            top = []
            for value, count in tops[:FACET_LIMIT]:
                top.append((value, count))
                top += [i for i in ranked if i[0].startswith(value + SECTION_SEPARATOR)]
            distinct = len(tops)
        else:
            ranked = self._counts(
                f"SELECT {name}, count(*) FROM {self.source[table]} GROUP BY {name}", []
            )
            if name == "year":
                ranked.sort(reverse=True)
            top, distinct = ranked[:FACET_LIMIT], len(ranked)
        chosen = set(selected)
        values = [{"value": v, "count": c, "selected": v in chosen} for v, c in top]
        # A selected value is always listed, so that it can be removed.
        listed = {value for value, _ in top}
        counts = dict(ranked)
        for value in sorted(chosen - listed):
            values.append({"value": value, "count": counts.get(value, 0), "selected": True})
        return {"values": values, "distinct": distinct}

    def _counts(self, sql: str, params: list[Any]) -> list[tuple[str, int]]:
        """All (value, count) pairs of a GROUP BY, most frequent first."""
        rows = [(v, c) for v, c in self.con.execute(sql, params).fetchall() if v]
        rows.sort(key=lambda item: (-item[1], item[0]))
        return rows


def _marked(text: str | None) -> str:
    return html.escape(text or "").replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


# -- timing ----------------------------------------------------------------------


@dataclass
class Engine:
    """One engine under test: a name and a callable answering the query at a position."""

    name: str
    search: Callable[[int], Any]
    cold_ms: float = 0.0
    # Per query (by position in the set): one wall time per run.
    times: list[list[float]] = field(default_factory=list)

    def timed(self, i: int) -> tuple[float, Any]:
        started = time.perf_counter()
        result = self.search(i)
        return (time.perf_counter() - started) * 1000, result

    def percentiles(self, runs: int) -> tuple[float, float, float]:
        """Medians over the runs of each run's p50, p95 and p99."""
        per_run = [
            np.percentile([query[run] for query in self.times], [50, 95, 99]) for run in range(runs)
        ]
        p50, p95, p99 = (statistics.median(float(p[i]) for p in per_run) for i in range(3))
        return p50, p95, p99


def describe(params: dict[str, Any]) -> str:
    return " ".join(
        f"{k}={v!r}" if k == "q" else f"{k}={','.join(v) if isinstance(v, list) else v}"
        for k, v in params.items()
    )


def vindex_total(result: Any) -> int:
    return int(result.total)


def fts5_total(result: Any) -> int:
    return int(result["total"])


@dataclass
class Prepared:
    """The articles of one size, their corpus folder and a built Vindex index."""

    articles: list[dict[str, Any]]
    corpus: Path
    location: IndexLocation
    build: dict[str, Any]
    # Made by this run (and removed after it), not given with --index/--corpus.
    made: bool


def prepare(n: int, base: Sequence[dict[str, Any]], work: Path) -> Prepared:
    """Write a corpus of `n` articles and build its index."""
    articles = scale(base, n)
    corpus = work / f"corpus-{n}"
    files = write_corpus(articles, corpus)
    synthetic = max(0, n - len(base))
    print(f"corpus: {len(articles):,} articles ({synthetic:,} synthetic) in {files} files")
    location = IndexLocation(work / f"index-{n}")
    report = update_index(location, corpus, rebuild=True)
    if report.errors:
        print(f"warning: {len(report.errors)} build errors, first: {report.errors[0]}")
    print(
        f"build: {report.indexed:,} articles in {report.seconds:.1f} s, "
        f"{report.articles_per_s:.0f} articles/s; index {location.size_bytes() / 1048576:.1f} MB",
        flush=True,
    )
    build = {"build_articles_per_s": round(report.articles_per_s, 1)}
    return Prepared(articles, corpus, location, build, made=True)


def reuse(index: Path, corpus: Path, work: Path) -> Prepared:
    """A built index and its corpus, copied: the originals are only read.

    `vindex serve` may write into both (its start-up check, the trash). The
    copies keep the files' times (`copy2`), so that the start-up check finds
    the corpus unchanged and does not index it again while it is measured;
    links would not do, as the index names a file by its resolved path.
    """
    copy = work / "index"
    shutil.copytree(index, copy, symlinks=True, ignore=shutil.ignore_patterns("*.lock"))
    copied = work / "corpus"
    shutil.copytree(corpus, copied)
    articles = load_articles(copied)
    print(f"reused: {len(articles):,} articles of {corpus}, the index of {index}", flush=True)
    return Prepared(articles, copied, IndexLocation(copy), {}, made=False)


def peer_folder(keep: Path | None, work: Path, name: str, n: int) -> tuple[Path, bool]:
    """Where a peer's database goes, and whether one is there from an earlier run (--keep)."""
    folder = keep if keep is not None else work
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{n}"
    return path, keep is not None and path.exists()


def bench_size(
    prepared: Prepared, work: Path, runs: int, engines_wanted: Sequence[str], keep: Path | None
) -> dict[str, Any]:
    articles, location = prepared.articles, prepared.location
    n = len(articles)
    print(f"\n== n = {n:,} ==", flush=True)
    index_bytes = location.size_bytes()

    requests = [SearchRequest.from_params(params) for params in QUERIES]
    live = LiveIndex(location)
    core = SearchCore(live)
    engines = [Engine("vindex", lambda i: core.search(requests[i]))]
    entities = indexed_entities(location) if set(engines_wanted) & {"fts5", "tantivy"} else {}
    served: HttpSearch | None = None
    if "http" in engines_wanted:
        served = HttpSearch(location.root, prepared.corpus, work / "serve.log")
        engines.append(Engine("vindex http", lambda i: served.search(QUERIES[i])))
    fts: Fts5Search | None = None
    db, kept = peer_folder(keep, work, "fts5", n)
    if "fts5" in engines_wanted:
        if not kept:
            seconds = build_fts5(articles, db, entities)
            print(f"fts5 load: {n / seconds:.0f} articles/s", flush=True)
        print(f"fts5 database {db.stat().st_size / 1048576:.1f} MB", flush=True)
        fts = Fts5Search(db)
        engines.append(Engine("fts5", lambda i: fts.search(requests[i])))
    tan: TantivySearch | None = None
    folder, kept = peer_folder(keep, work, "tantivy", n)
    if "tantivy" in engines_wanted:
        if not kept:
            seconds = build_tantivy(articles, folder, entities)
            print(f"tantivy build: {n / seconds:.0f} articles/s", flush=True)
        tan = TantivySearch(folder, FACET_LIMIT)
        engines.append(Engine("tantivy", lambda i: tan.search(requests[i])))

    # The articles are no longer needed, and 100k of them as Python objects
    # make every full garbage collection in the timed calls walk them (pauses
    # of tens of ms that a server, which never holds them, does not have).
    articles = prepared.articles = []
    entities = {}
    gc.collect()

    # Cold: the first query on a fresh searcher / connection (opening the
    # searcher, reading the facet arrays, filling caches). Then a warm-up pass
    # over the whole set, which also drops a query an engine cannot answer
    # (the core is still being tuned; a broken query must not stop the bench).
    keep_queries = list(range(len(requests)))
    for engine in engines:
        engine.cold_ms, _ = engine.timed(0)
        for i in list(keep_queries):
            try:
                engine.search(i)
            except Exception as exc:  # report and go on: see above
                print(f"warning: {engine.name} failed on {describe(QUERIES[i])}: {exc!r}")
                keep_queries.remove(i)
    print("cold (first query): " + ", ".join(f"{e.name} {e.cold_ms:.1f} ms" for e in engines))
    sanity(requests, keep_queries, core, fts, tan)

    for engine in engines:
        engine.times = [[] for _ in keep_queries]
    for run in range(runs):
        # Interleaved per query, so all engines see the same load on a shared machine.
        for position, i in enumerate(keep_queries):
            for engine in engines:
                elapsed, _ = engine.timed(i)
                engine.times[position].append(elapsed)
        print(f"run {run + 1}/{runs} done", flush=True)

    if served is not None and served.generation() != live.generation:
        # Its start-up check indexed the corpus again: it measured another index, under load.
        print(f"warning: the server answered from {served.generation()}, not {live.generation}")
    core.close()
    live.close()
    for peer in (fts, tan, served):
        if peer is not None:
            peer.close()

    print(f"queries: {len(keep_queries)} x {runs} runs (medians of the per-run percentiles)")
    print(f"{'engine':<12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'cold ms':>9}")
    figures: dict[str, tuple[float, float, float]] = {}
    for engine in engines:
        figures[engine.name] = engine.percentiles(runs)
        p50, p95, p99 = figures[engine.name]
        print(f"{engine.name:<12} {p50:8.2f} {p95:8.2f} {p99:8.2f} {engine.cold_ms:9.1f}")
    p50, p95, p99 = figures["vindex"]
    result: dict[str, Any] = {
        "n": n,
        **prepared.build,
        "index_bytes": index_bytes,
        "cold_ms": round(engines[0].cold_ms, 1),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(p99, 2),
        "queries": len(keep_queries),
        "runs": runs,
    }
    prefixes = {"vindex http": "http", "fts5": "fts5", "tantivy": "tantivy"}
    for name, prefix in prefixes.items():
        if name in figures:
            o50, o95, o99 = figures[name]
            result.update({f"{prefix}_p50_ms": round(o50, 2), f"{prefix}_p95_ms": round(o95, 2)})
            result[f"{prefix}_p99_ms"] = round(o99, 2)
    if "vindex http" in figures:
        added = figures["vindex http"][0] - p50
        print(f"HTTP adds (p50 http - p50 in-process): {added:.2f} ms")
        result["http_added_p50_ms"] = round(added, 2)
    for name in ("fts5", "tantivy"):
        if name in figures:
            o50, o95, _ = figures[name]
            r50, r95 = p50 / o50, p95 / o95
            print(f"vindex / {name}: p50 {r50:.2f}, p95 {r95:.2f}")
            result[f"ratio_p50_{name}"] = round(r50, 3)
            result[f"ratio_p95_{name}"] = round(r95, 3)
    slowest(engines, keep_queries)

    # The next size needs the disk and the page cache more than these do.
    if prepared.made:
        shutil.rmtree(prepared.corpus, ignore_errors=True)
        shutil.rmtree(location.root, ignore_errors=True)
    print(json.dumps(result), flush=True)
    return result


def sanity(
    requests: list[SearchRequest],
    keep: list[int],
    core: SearchCore,
    fts: Fts5Search | None,
    tan: TantivySearch | None,
) -> None:
    """Print the engines' totals for a few queries; warn (never fail) when far apart."""
    for i in keep:
        if QUERIES[i].get("q") not in SANITY or len(QUERIES[i]) != 1:
            continue
        ours = vindex_total(core.search(requests[i]))
        theirs = {}
        if fts is not None:
            theirs["fts5"] = fts5_total(fts.search(requests[i]))
        if tan is not None:
            theirs["tantivy"] = fts5_total(tan.search(requests[i]))
        line = f"totals {QUERIES[i]['q']}: vindex {ours:,}" + "".join(
            f", {name} {total:,}" for name, total in theirs.items()
        )
        if any(min(ours, t) == 0 or max(ours, t) > 2 * min(ours, t) for t in theirs.values()):
            line = "warning: far apart: " + line
        print(line)


def slowest(engines: list[Engine], keep: list[int], count: int = 5) -> None:
    """The queries with the worst median Vindex time, with FTS5's beside them."""
    medians = [[statistics.median(times) for times in e.times] for e in engines]
    order = sorted(range(len(keep)), key=lambda p: -medians[0][p])[:count]
    print("slowest vindex queries (median ms):")
    for p in order:
        others = "".join(f", {e.name} {medians[k][p]:.1f}" for k, e in enumerate(engines) if k)
        print(f"  {medians[0][p]:7.1f}{others}  {describe(QUERIES[keep[p]])}")


ENGINES = ("vindex", "http", "fts5", "tantivy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, help="one size (default: the Reuters import, then 100,000)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument(
        "--index", type=Path, help="a built index (read, not written): with --corpus"
    )
    parser.add_argument("--corpus", type=Path, help="the corpus that --index was built from")
    parser.add_argument(
        "--keep", type=Path, help="keep the peers' databases here, and reuse them on the next run"
    )
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="comma-separated, of vindex (always), http, fts5, tantivy",
    )
    args = parser.parse_args()
    if (args.n is not None and args.n < 1) or args.runs < 1:
        parser.error("--n and --runs must be at least 1")
    if (args.index is None) != (args.corpus is None):
        parser.error("--index and --corpus go together")
    wanted = [name.strip() for name in args.engines.split(",") if name.strip()]
    if unknown := set(wanted) - set(ENGINES):
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    if "fts5" in wanted and not fts5_available():
        print("warning: this Python's SQLite lacks ENABLE_FTS5; FTS5 is skipped")
        wanted.remove("fts5")
    if "tantivy" in wanted and not tantivy_installed():
        print("warning: tantivy is not installed (the bench extra); tantivy is skipped")
        wanted.remove("tantivy")

    with tempfile.TemporaryDirectory(prefix="vindex-bench-") as tmp:
        work = Path(tmp)
        if args.index is not None:
            bench_size(reuse(args.index, args.corpus, work), work, args.runs, wanted, args.keep)
            return 0
        started = time.perf_counter()
        summary = import_corpus("reuters", args.corpora / "reuters21578", work / "reuters")
        base = load_articles(work / "reuters")
        print(
            f"import reuters: {summary.written:,} articles in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        sizes = [args.n] if args.n is not None else [len(base), SCALED_SIZE]
        for n in sizes:
            bench_size(prepare(n, base, work), work, args.runs, wanted, args.keep)
    return 0


def tantivy_installed() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
