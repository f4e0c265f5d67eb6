"""The search core: a `SearchRequest` in, a `SearchResult` out.

Every surface (the CLI, the HTML pages, the JSON API) goes through
`SearchCore`. Per request it parses the words (`indexer.archive.request`), counts what their
prefixes and fuzzy words stand for against the query's budget
(`indexer.embedded.search.lexicon`; over it, the request is refused naming the limit), finds
the matching articles once as a set of document numbers, counts all facets over
that set from the per-generation arrays of `indexer.embedded.search.facets` (a facet with a
selection is counted without its own filter, so a reader can add a second
value: disjunctive facets), ranks and pages the hits, and highlights them
(`indexer.embedded.search.highlight`).

A searcher and its facet arrays are opened once per index state: a rebuild
(new generation folder) or an update (new Whoosh table of contents) opens new
ones; `Searcher.refresh()` is never used.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import scoring
from whoosh.query import Or, Query, Term
from whoosh.searching import Searcher

from indexer.archive.request import (
    FACETS,
    FILTER_PARAMS,
    LANGUAGE_NAMES,
    MAX_EXPANDED_POSTINGS,
    MAX_EXPANDED_TERMS,
    MAX_SUGGESTED,
    QueryTooBroad,
    SearchRequest,
)
from indexer.archive.results import (
    FacetValue,
    FilterMatch,
    FilterSuggestion,
    Hit,
    RelatedArticle,
    SearchResult,
    Suggestion,
)
from indexer.embedded.index.schema import (
    FALLBACK,
    PROSE_FIELDS,
    SEARCH_BOOSTS,
    SEARCH_FIELDS,
    TEXT_LANGUAGES,
    analyzer_for,
    language_group,
    text_field,
)
from indexer.embedded.index.store import LiveIndex
from indexer.embedded.index.titles import shown_title
from indexer.embedded.search.engine import PostingCache, Postings, evaluate
from indexer.embedded.search.expand import entity_words
from indexer.embedded.search.facets import (
    FacetCount,
    FacetData,
    Mask,
    SegmentCache,
    SegmentKey,
    live_documents,
    segment_key,
)
from indexer.embedded.search.filter_values import (
    KnownValues,
    value_mask,
)
from indexer.embedded.search.highlight import highlight, query_terms
from indexer.embedded.search.lexicon import Budget, Lexicon, LexiconCache, OverBudget
from indexer.embedded.search.prune import prune
from indexer.embedded.search.spelling import Corrections, Speller, WordCache
from indexer.embedded.search.suggest import EntityNames, NameIndex, clean_prefix, suggestions
from indexer.embedded.search.textquery import parse_text_query
from indexer.entities.gazetteer import Gazetteer, load_gazetteer
from indexer.ingest.article import ENTITY_TYPES

FACET_LIMIT = 10
# "Did you mean" is offered when a query finds fewer articles than this.
FEW_RESULTS = 3
_PARSE_CACHE = 1000
# Fetched beyond the page so that equal scores can be ordered newest first.
_TIE_SLACK = 20


@dataclass(frozen=True)
class MatchSet:
    """Every article a request matches, over one index state (the JSON API's reports and export).

    `mask` is indexed by document number; `scores` is None when the request
    has no words. The searcher and facet arrays are those the mask refers to.
    """

    searcher: Searcher
    facets: FacetData
    mask: Mask
    scores: npt.NDArray[np.float64] | None
    generation: str
    # Hold it while reading from the searcher: see _State.io.
    io: threading.RLock


@dataclass(frozen=True)
class _Parsed:
    """A query text read for one index state; `refused` (limit, allowed) when over budget."""

    query: Query | None
    pruned: Query | None
    notice: str | None
    refused: tuple[str, int] | None


@dataclass(frozen=True)
class _Matches:
    """What the words of a query match: a mask, and scores (None when there are no words)."""

    mask: Mask
    scores: npt.NDArray[np.float64] | None


def _combine(base: Mask, masks: dict[str, Mask], exclude: str | None = None) -> Mask:
    """The base mask narrowed by every restriction but the excluded one."""
    combined = base
    for name, mask in masks.items():
        if name != exclude:
            combined = combined & mask
    return combined


@dataclass
class _Shared:
    """What the index states of one search core hand on to the next.

    An upload adds a small segment to big ones; what is read per segment
    (facet arrays, spelling words, the fields' word lists, posting lists and
    positions) is kept by segment, and the entity name index only grows, so a new state reads and
    files only what is new.
    """

    facets: SegmentCache = field(default_factory=dict)
    words: WordCache = field(default_factory=dict)
    lexicons: LexiconCache = field(default_factory=dict)
    postings: PostingCache = field(default_factory=PostingCache)
    names: NameIndex | None = None
    # Per entity type, each gazetteer name of an entity -> the name the archive
    # files it under: a filter `place=Wien` is the place Vienna, as the query `wien` is.
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    def keep_only(self, segments: set[SegmentKey]) -> None:
        """Forget merged or rebuilt-away segments, which would otherwise stay in memory."""
        for cache in (self.facets, self.words, self.lexicons):
            for stale in cache.keys() - segments:
                del cache[stale]
        self.postings.keep_only(segments)


@dataclass
class _State:
    """A searcher and the facet arrays of one index state."""

    key: tuple[str, int]
    searcher: Searcher
    facets: FacetData
    shared: _Shared
    all_docs: Mask = field(init=False)
    lexicon: Lexicon = field(init=False)
    postings: Postings = field(init=False)
    # Document masks of filters, by (filter, values): filters repeat across requests.
    filter_masks: dict[tuple[str, tuple[str, ...]], Mask] = field(default_factory=dict)
    # Each filter's values by folded form, made on first use.
    known: dict[str, KnownValues] = field(default_factory=dict)
    # Parsed queries by their text; the query objects are never changed after parsing.
    parsed: dict[str, _Parsed] = field(default_factory=dict)
    # The words to highlight, by query text: prefixes expand against this state's terms.
    terms: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)

    # Whoosh's readers share their open files and move a file position to read
    # (a posting block, a stored document): two threads reading at once get
    # each other's bytes. Every read of this state's searcher holds this lock;
    # the array work around the reads is short. The search core gives all its
    # states its one lock (see SearchCore._io).
    io: threading.RLock = field(default_factory=threading.RLock)
    # Entity names for suggestions and spelling words for corrections, made on
    # first use (or when the state is warmed).
    names: EntityNames | None = None
    speller: Speller | None = None
    # What "did you mean" makes of each word (None: keep it), for this state only.
    corrections: Corrections[str, str | None] = field(default_factory=Corrections)
    # Requests using this state, and whether a newer state has replaced it:
    # the searcher is closed when both say it is no longer needed.
    users: int = 0
    retired: bool = False

    def __post_init__(self) -> None:
        reader = self.searcher.reader()
        self.all_docs = live_documents(reader)
        self.lexicon = Lexicon(reader, self.shared.lexicons)
        self.postings = Postings(self.searcher, self.all_docs, self.shared.postings, self.lexicon)


class SearchCore:
    """Searches one live index; safe to share between threads."""

    def __init__(
        self, live: LiveIndex, gazetteer: Gazetteer | None = None, budget: Budget | None = None
    ) -> None:
        self.live = live
        # What the prefixes and fuzzy words of one query may stand for.
        self.budget = budget or Budget(MAX_EXPANDED_TERMS, MAX_EXPANDED_POSTINGS)
        # Names in queries also find the articles about what they name.
        self.gazetteer = gazetteer or load_gazetteer()
        self._names = entity_words(self.gazetteer).plugin()
        # Reentrant: a match set's finalizer releases its state under this lock, and
        # the garbage collector may run it in a thread that already holds it.
        self._lock = threading.RLock()
        # The lock of every read, of every index state of this core: taken before
        # a state is, so that the requests waiting for it hold none. With a lock
        # per state, each request queued behind a search held the state of its
        # arrival, and under a stream of uploads (a new state each) the older
        # states stayed open, arrays and caches and all, until their queues ran
        # out. Reads were one at a time within a state already.
        self._io = threading.RLock()
        self._state: _State | None = None
        # Per-segment arrays and words, reused by the next index state.
        self._shared = _Shared(aliases=self.gazetteer.derived("entity_aliases", _entity_aliases))

    def close(self) -> None:
        with self._lock:
            state, self._state = self._state, None
            if state is not None:
                _retire(state)

    def warm(self) -> None:
        """Open the current index state now (facet arrays, lengths, names), not on a search."""
        with self._using() as state:
            for fieldname in SEARCH_FIELDS:
                state.postings.lengths(fieldname)
            state.lexicon.warm(SEARCH_FIELDS)
            _entity_names(state).warm()
            _speller(state)
            for name in FILTER_PARAMS:
                _known_values(state, name)

    @contextlib.contextmanager
    def _using(self) -> Iterator[_State]:
        """The current index state, kept open until the block ends."""
        with self._io:
            state = self._acquire()
            try:
                yield state
            finally:
                self._release(state)

    def _acquire(self) -> _State:
        """The current index state, opened if the index changed, with one more user.

        A state replaced by a newer one is closed when its last user is done:
        a long export, or a search that started just before an upload
        committed, never finds its searcher closed under it.
        """
        with self._lock:
            # The key is read under the lock: a thread that read it just before an
            # update committed could otherwise replace the newer state with an older
            # one, and the next request would open the newer one again (each open
            # rebuilds the state's arrays). LiveIndex is not thread-safe either.
            ix = self.live.get()
            key = (self.live.generation, ix.latest_generation())
            state = self._state
            if state is None or state.key != key:
                state = self._open(ix, key)
                old, self._state = self._state, state
                if old is not None:
                    _retire(old)
            state.users += 1
            return state

    def _release(self, state: _State) -> None:
        with self._lock:
            state.users -= 1
            if state.retired and not state.users:
                state.searcher.close()

    def _open(self, ix: Any, key: tuple[str, int]) -> _State:
        searcher = ix.searcher(weighting=scoring.BM25F())
        reader = searcher.reader()
        facets = FacetData(reader, self._shared.facets)
        state = _State(key, searcher, facets, self._shared, io=self._io)
        self._shared.keep_only({segment_key(leaf) for leaf, _ in reader.leaf_readers()})
        return state

    @property
    def generation(self) -> str:
        return self.live.generation

    # -- search -----------------------------------------------------------

    def search(self, request: SearchRequest, *, facet_limit: int = FACET_LIMIT) -> SearchResult:
        with self._using() as state:
            return self._search(state, request, facet_limit)

    def _search(self, state: _State, request: SearchRequest, facet_limit: int) -> SearchResult:
        started = time.perf_counter()
        text_query, pruned, notice = self._parse(state, request.q)
        matches = self._text_matches(state, text_query, pruned)
        restrictions = self._restrictions(state, request)
        matched = _combine(matches.mask, restrictions)
        total = int(matched.sum())
        hits = self._hits(state, request, text_query, matches, matched, total)
        filter_matches, filter_suggestions = _filter_values(state, request)
        # The facets mark the archive's spellings of the selected values selected,
        # and list an unknown value as given, so that it can be removed.
        selected: dict[str, list[str]] = {}
        for name, items in filter_matches.items():
            selected.setdefault(name, []).extend(m for item in items for m in item.matches)
        for name, unknown in filter_suggestions.items():
            selected.setdefault(name, []).extend(item.value for item in unknown)
        facets, distinct = self._facets(
            state, request, matches.mask, restrictions, matched, facet_limit, selected
        )
        suggestion = None
        if total < FEW_RESULTS and request.q:
            suggestion = self._did_you_mean(state, request.q)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(
            request,
            total,
            hits,
            facets,
            distinct,
            took,
            suggestion,
            notice,
            state.key[0],
            filter_matches,
            filter_suggestions,
        )

    def match(self, request: SearchRequest, *, exclude: str | None = None) -> MatchSet:
        """The whole set of articles a request matches, unranked and unpaged.

        `exclude` leaves out one restriction (a filter name or "date"), as the
        disjunctive facet counts do. Additive to `search`, for callers that
        need more than a page: entity reports, facet value search, export.
        """
        with self._io:
            state = self._acquire()
            try:
                text_query, pruned, _ = self._parse(state, request.q)
                matches = self._text_matches(state, text_query, pruned)
                restrictions = self._restrictions(state, request)
                mask = _combine(matches.mask, restrictions, exclude=exclude)
                matched = MatchSet(
                    state.searcher, state.facets, mask, matches.scores, state.key[0], state.io
                )
            except BaseException:
                self._release(state)
                raise
        # The match set holds its index state open (an export reads from it
        # long after this returns) until the match set itself is dropped.
        weakref.finalize(matched, self._release, state)
        return matched

    def highlight_terms(self, q: str) -> dict[str, frozenset[str]]:
        """The analysed words a search for `q` marks, per language group (for article pages)."""
        with self._using() as state:
            try:
                text_query, _, _ = self._parse(state, q)
            except QueryTooBroad:
                return {}  # an article reached with such a query is shown unmarked
            return self._terms(state, q, text_query)

    def _terms(self, state: _State, q: str, text_query: Query | None) -> dict[str, frozenset[str]]:
        terms = state.terms.get(q)
        if terms is None:
            terms = query_terms(text_query, state.postings.expand) if text_query else {}
            if len(state.terms) >= _PARSE_CACHE:
                state.terms.pop(next(iter(state.terms)))
            state.terms[q] = terms
        return terms

    def _parse(self, state: _State, q: str) -> tuple[Query | None, Query | None, str | None]:
        """The parsed query and its pruned form, cached per index state (parsing costs ms).

        Raises `QueryTooBroad` when its prefixes, wildcards and fuzzy words stand
        for more than the budget allows; counting them reads no posting.
        """
        cached = state.parsed.get(q)
        if cached is None:
            query, notice = parse_text_query(
                q, state.searcher.schema, SEARCH_FIELDS, SEARCH_BOOSTS, plugins=[self._names]
            )
            pruned = prune(query, state.searcher.reader()) if query is not None else None
            refused = None
            if pruned is not None:
                try:
                    state.lexicon.cost(pruned, self.budget)
                except OverBudget as over:
                    refused = (over.limit, over.allowed)
            cached = _Parsed(query, pruned, notice, refused)
            if len(state.parsed) >= _PARSE_CACHE:
                state.parsed.pop(next(iter(state.parsed)))
            state.parsed[q] = cached
        if cached.refused is not None:
            # A new exception each time: raising a kept one would grow its traceback.
            raise QueryTooBroad(*cached.refused)
        return cached.query, cached.pruned, cached.notice

    def _text_matches(
        self, state: _State, text_query: Query | None, pruned: Query | None
    ) -> _Matches:
        """Every document the words match, with its score, in one pass."""
        size = state.facets.doc_count
        if text_query is None:
            return _Matches(state.all_docs, None)
        if pruned is None:
            return _Matches(np.zeros(size, dtype=np.bool_), np.zeros(size))
        mask, scores = evaluate(pruned, state.postings)
        return _Matches(mask, scores)

    def _restrictions(self, state: _State, request: SearchRequest) -> dict[str, Mask]:
        """One mask per filter (its values ORed) and one for the dates.

        A value matches folded, every spelling the archive has of it
        (`indexer.embedded.search.filter_values`); the documents come from the facet arrays,
        the values the facets count and list.
        """
        masks = {}
        for name, values in request.filters:
            key = (name, values)
            mask = state.filter_masks.get(key)
            if mask is None:
                known = _known_values(state, name)
                ids = [i for value in values for i in known.ids(value)]
                table = state.facets.tables[name]
                mask = value_mask(table.values, table.docs, ids, state.facets.doc_count)
                mask &= state.all_docs
                if len(state.filter_masks) >= _PARSE_CACHE:
                    state.filter_masks.pop(next(iter(state.filter_masks)))
                state.filter_masks[key] = mask
            masks[name] = mask
        low, high = request.published_range()
        if low is not None or high is not None:
            stamps = state.facets.timestamps
            mask = np.ones(state.facets.doc_count, dtype=np.bool_)
            if low is not None:
                mask &= stamps >= low.replace(tzinfo=UTC).timestamp()
            if high is not None:
                mask &= stamps <= high.replace(tzinfo=UTC).timestamp()
            masks["date"] = mask
        return masks

    def _hits(
        self,
        state: _State,
        request: SearchRequest,
        text_query: Query | None,
        matches: _Matches,
        matched: Mask,
        total: int,
    ) -> list[Hit]:
        first = (request.page - 1) * request.per_page
        if first >= total:
            return []
        wanted = first + request.per_page
        searcher = state.searcher
        scores = matches.scores
        page = state.facets.ranked(matched, scores, request.sort, wanted)[first:].tolist()
        terms = self._terms(state, request.q, text_query)
        return [
            self._hit(
                searcher.stored_fields(docnum),
                float(scores[docnum]) if scores is not None else None,
                terms,
            )
            for docnum in page
        ]

    def _hit(
        self, stored: dict[str, Any], score: float | None, terms: dict[str, frozenset[str]]
    ) -> Hit:
        title = shown_title(stored)
        marked = highlight(
            title,
            stored.get("lead", ""),
            stored.get("body", ""),
            stored.get("language", ""),
            terms,
        )
        return Hit(
            id=stored["id"],
            url=f"/articles/{stored['id']}",
            title=title,
            title_html=marked.title_html,
            snippet_html=marked.snippet_html,
            section=stored.get("section", ""),
            published=stored.get("published_iso", ""),
            language=stored.get("language", ""),
            source=stored.get("source", ""),
            authors=split_names(stored.get("authors")),
            score=round(score or 0.0, 4),
            entities={kind: split_names(stored.get(kind)) for kind in ENTITY_TYPES},
        )

    def _facets(
        self,
        state: _State,
        request: SearchRequest,
        text_mask: Mask,
        restrictions: dict[str, Mask],
        matched: Mask,
        limit: int,
        selected_names: dict[str, list[str]],
    ) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
        facets: dict[str, list[FacetValue]] = {}
        distinct: dict[str, int] = {}
        for name in FACETS:
            # A facet's own selection does not narrow its counts (disjunctive).
            own = "date" if name == "year" else name
            # The archive's spellings of the selected values, and the unknown ones as given.
            selected = selected_names.get(name, ())
            mask = (
                _combine(text_mask, restrictions, exclude=own) if own in restrictions else matched
            )
            if name == "section":
                values, count = _section_tree(state.facets, mask, limit)
            else:
                # Every year: the date histogram spans the whole archive.
                wanted = None if name == "year" else limit
                values, count = state.facets.counts(name, mask, wanted)
            facets[name] = _with_selected(values, selected, state.facets, name, mask)
            distinct[name] = count
        year = request.year
        if year is not None:
            months = state.facets.months_of(year, matched)
            facets["month"] = [FacetValue(m.value, m.count) for m in months]
        return facets, distinct

    # -- did you mean -----------------------------------------------------

    def did_you_mean(self, q: str) -> str | None:
        """What a search for `q` that finds little offers instead (None: nothing better)."""
        with self._using() as state:
            return self._did_you_mean(state, q)

    def _did_you_mean(self, state: _State, q: str) -> str | None:
        """The query with misspelt words replaced by the closest words in the index."""
        changed = False
        words = []
        for match in re.finditer(r"\w+|\W+", q):
            word = match.group()
            if not word[0].isalnum() or word.upper() in ("AND", "OR", "NOT"):
                words.append(word)
                continue
            # Kept per state: a search that finds little asks again on every page.
            better = state.corrections.get(word, lambda w: self._correction(state, w))
            if better is None:
                words.append(word)
            else:
                words.append(better)
                changed = True
        return "".join(words) if changed else None

    def _correction(self, state: _State, word: str) -> str | None:
        """The replacement of one word of a query (None: the index has it, or nothing close)."""
        # The lexicon answers from memory what the reader would read from disk.
        if _known(state.lexicon, word):
            return None
        better = _speller(state).correct(word)
        if better is None:
            return None
        cased = _entity_names(state).cased(better)
        if cased is not None:
            return cased  # as the archive writes the name
        return better[:1].upper() + better[1:] if word[:1].isupper() else better

    # -- articles ---------------------------------------------------------

    def article(self, article_id: str) -> dict[str, Any] | None:
        """The stored fields of an article, or None."""
        with self._using() as state:
            stored: dict[str, Any] | None = state.searcher.document(id=article_id)
            return stored

    def related(self, article_id: str, limit: int = 5) -> list[RelatedArticle]:
        """Articles sharing entities and distinctive words with this one, and why."""
        with self._using() as state:
            return self._related(state, article_id, limit)

    def _related(self, state: _State, article_id: str, limit: int) -> list[RelatedArticle]:
        searcher = state.searcher
        docnum = next(iter(searcher.document_numbers(id=article_id)), None)
        if docnum is None:
            return []
        stored = searcher.stored_fields(docnum)
        own = {kind: set(split_names(stored.get(kind))) for kind in ENTITY_TYPES}
        clauses: list[Query] = [
            Term(kind, name, boost=2.0) for kind in ENTITY_TYPES for name in own[kind]
        ]
        clauses.extend(_key_terms(searcher, stored))
        if not clauses:
            return []
        # The array engine scores as Whoosh's matchers do, without walking every
        # match in Python (a fifth of a server's time under load went there).
        mask, scores = evaluate(Or(clauses), state.postings)
        mask[docnum] = False
        related = []
        for found in state.facets.ranked(mask, scores, "relevance", limit).tolist():
            fields = searcher.stored_fields(found)
            shared = {
                kind: sorted(own[kind] & set(split_names(fields.get(kind))))
                for kind in ENTITY_TYPES
            }
            related.append(
                RelatedArticle(
                    id=fields["id"],
                    url=f"/articles/{fields['id']}",
                    title=shown_title(fields),
                    section=fields.get("section", ""),
                    published=fields.get("published_iso", ""),
                    shared_entities={k: v for k, v in shared.items() if v},
                )
            )
        return related[:limit]

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Completions for what a reader is typing: entities, then titles."""
        prefix = clean_prefix(prefix)
        if len(prefix) < 2:
            return []
        with self._using() as state:
            return self._suggest(state, prefix, limit)

    def _suggest(self, state: _State, prefix: str, limit: int) -> list[Suggestion]:
        names = _entity_names(state)
        return suggestions(names, state.postings, state.searcher, state.facets, prefix, limit)


def _retire(state: _State) -> None:
    """A state no new request gets (call with the core's lock): closed once unused."""
    state.retired = True
    if not state.users:
        state.searcher.close()


def _entity_names(state: _State) -> EntityNames:
    if state.names is None:
        state.names = EntityNames(state.facets, state.all_docs, state.shared.names)
        state.shared.names = state.names.index
    return state.names


def split_names(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _section_tree(facets: FacetData, mask: Mask, limit: int) -> tuple[list[FacetCount], int]:
    """Top-level sections by count, each followed by its sub-sections by count."""
    values, _ = facets.counts("section", mask)
    tops = [v for v in values if " > " not in v.value]
    ordered: list[FacetCount] = []
    for top in tops[:limit]:
        ordered.append(top)
        prefix = top.value + " > "
        ordered.extend(v for v in values if v.value.startswith(prefix))
    return ordered, len(tops)


def _known_values(state: _State, name: str) -> KnownValues:
    """A filter's values in this index state by folded form (made once per state)."""
    known = state.known.get(name)
    if known is None:
        table = state.facets.tables[name]
        # A language is also asked for by its name: `language=German` is `de`.
        aliases = (
            {v: k for k, v in LANGUAGE_NAMES.items()}
            if name == "language"
            else state.shared.aliases.get(name)
        )
        known = KnownValues(table.names, table.counts(state.all_docs), aliases)
        state.known[name] = known
    return known


def _entity_aliases(gazetteer: Gazetteer) -> dict[str, dict[str, str]]:
    """Each entity type's gazetteer names -> the entity's name (its filter value)."""
    aliases: dict[str, dict[str, str]] = {kind: {} for kind in ENTITY_TYPES}
    for entry in gazetteer.entries:
        if entry.type in aliases:
            for alias in entry.aliases:
                # The most likely entry first (the gazetteer's order) keeps a shared alias.
                aliases[entry.type].setdefault(alias, entry.name)
    return aliases


def _filter_values(
    state: _State, request: SearchRequest
) -> tuple[dict[str, list[FilterMatch]], dict[str, list[FilterSuggestion]]]:
    """Each filter value's spellings in the archive, and the closest values to unknown ones."""
    matches: dict[str, list[FilterMatch]] = {}
    unknown: dict[str, list[FilterSuggestion]] = {}
    suggested = 0
    for name, values in request.filters:
        known = _known_values(state, name)
        for value in values:
            found = known.matches(value)
            if found:
                matches.setdefault(name, []).append(FilterMatch(value, list(found)))
                continue
            # Named always; compared with the archive's values only for the first few.
            closest = known.closest(value) if suggested < MAX_SUGGESTED else ()
            suggested += 1
            unknown.setdefault(name, []).append(FilterSuggestion(value, closest))
    return matches, unknown


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
    # A selected value is always shown, so that it can be removed.
    pairs.extend((value, _count_of(facets, name, mask, value)) for value in chosen - listed)
    return [
        FacetValue(
            value,
            count,
            value in chosen,
            value.count(" > ") if name == "section" else None,
        )
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


def _known(reader: Any, word: str) -> bool:
    """Whether any text field has the word (analysed as each language would)."""
    for group in (*TEXT_LANGUAGES, FALLBACK):
        tokens = [t.text for t in analyzer_for(group)(word)]
        if not tokens:
            return True  # No letter or digit in it: nothing to correct.
        for name in PROSE_FIELDS:
            if reader.doc_frequency(text_field(name, group), tokens[0]):
                return True
    return False


def _speller(state: _State) -> Speller:
    if state.speller is None:
        fields = _spelling_fields(state.searcher)
        state.speller = Speller(state.lexicon, fields, state.shared.words)
    return state.speller


def _spelling_fields(searcher: Searcher) -> list[str]:
    """The fields holding the unstemmed words of titles and leads, for corrections."""
    names = searcher.schema.names()
    fields = []
    for name in ("title", "lead"):
        for group in (*TEXT_LANGUAGES, FALLBACK):
            fieldname = text_field(name, group)
            spell = searcher.schema[fieldname].spelling_fieldname(fieldname)
            if spell in names:
                fields.append(spell)
    return fields


def _key_terms(searcher: Searcher, stored: dict[str, Any], count: int = 8) -> list[Query]:
    """The article's most distinctive words (title and lead), as query terms.

    Stop words are indexed, but say nothing of what an article is about; in a
    small archive they are not common enough for the frequency bound to leave
    them out.
    """
    group = language_group(stored.get("language", ""))
    analyzer = analyzer_for(group)
    fieldname = text_field("lead", group)
    text = " ".join(p for p in (stored.get("title", ""), stored.get("lead", "")) if p)
    reader = searcher.reader()
    total = max(1, reader.doc_count())
    scored = {}
    for token in analyzer(text):
        term = token.text
        if len(term) < 3 or term in scored or analyzer.is_stop(term):
            continue
        frequency = reader.doc_frequency(fieldname, term)
        if 1 < frequency < total / 10:
            scored[term] = math.log(total / frequency)
    best = sorted(scored, key=lambda t: -scored[t])[:count]
    return [Term(fieldname, term) for term in best]
