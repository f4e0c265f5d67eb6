"""The search core: a `SearchRequest` in, a `SearchResult` out, over the current index state.

Every surface (the CLI, the HTML pages, the JSON API) goes through
`SearchCore` (by way of `indexer.embedded.backend`). One request, hop by hop:

1. `States.acquire` (`states`): the current index state, opened if the index changed.
2. `SearchCore._parse`: the words of `q` read into one Whoosh tree once per
   generation and text (`textquery`; the tree is never changed afterwards),
   pruned to what this state's index has (`prune`), and what their
   prefixes and fuzzy words stand for counted against the query's budget
   (`lexicon`; over it, the request is refused naming the limit). The one
   parsed tree serves matching, highlighting and the article page.
3. `SearchCore._text_matches`: every document the words match, with its
   BM25F score, in one pass of array operations (`engine`).
4. `restrictions`: a mask per filter and one for the dates, from the facet tables.
5. `result_facets`: all facets counted over the matches from the per-state
   arrays (`facets`), disjunctively for a facet with a selection.
6. `SearchCore._hits`: the page ranked from the arrays, its stored fields
   read and its words marked (`hits`, `highlight`).
7. `filter_values` (the archive's spellings of the filter values) and, when
   little is found, `did_you_mean`.

`match` stops after step 4, for callers that need the whole set (entity
reports, facet value search, export).

May import the search modules below it (the package docstring's layers),
`indexer.embedded.index`, the gazetteer and the typed request and results.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.query import Query
from whoosh.searching import Searcher

from indexer.archive.request import (
    FILTER_PARAMS,
    MAX_EXPANDED_POSTINGS,
    MAX_EXPANDED_TERMS,
    QueryTooBroad,
    SearchRequest,
)
from indexer.archive.results import (
    Hit,
    RelatedArticle,
    SearchResult,
    Suggestion,
)
from indexer.embedded.index.columns import Mask
from indexer.embedded.index.schema import SEARCH_BOOSTS, SEARCH_FIELDS
from indexer.embedded.index.store import LiveIndex
from indexer.embedded.search import related as related_articles
from indexer.embedded.search.did_you_mean import FEW_RESULTS
from indexer.embedded.search.did_you_mean import did_you_mean as correct_query
from indexer.embedded.search.engine import evaluate
from indexer.embedded.search.expand import entity_words
from indexer.embedded.search.facets import FacetData
from indexer.embedded.search.filter_values import entity_aliases, filter_values
from indexer.embedded.search.highlight import query_terms
from indexer.embedded.search.hits import hit
from indexer.embedded.search.lexicon import Budget, OverBudget
from indexer.embedded.search.prune import prune
from indexer.embedded.search.restrictions import combine, restrictions
from indexer.embedded.search.result_facets import RESULT_FACET_LIMIT, result_facets
from indexer.embedded.search.states import (
    IndexState,
    ParsedQuery,
    Shared,
    StateKey,
    States,
    remember,
)
from indexer.embedded.search.suggest import clean_prefix, suggestions
from indexer.embedded.search.textquery import parse_text_query
from indexer.entities.gazetteer import Gazetteer, load_gazetteer


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

    def stored(self, docnums: list[int]) -> list[dict[str, Any]]:
        """The stored fields of some of its documents (its state is held open meanwhile)."""
        return [self.searcher.stored_fields(docnum) for docnum in docnums]


@dataclass(frozen=True)
class _Matches:
    """What the words of a query match: a mask, and scores (None when there are no words)."""

    mask: Mask
    scores: npt.NDArray[np.float64] | None


class SearchCore:
    """Searches one live index; safe to share between threads."""

    def __init__(
        self,
        live: LiveIndex,
        gazetteer: Gazetteer | None = None,
        budget: Budget | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.live = live
        # What the prefixes and fuzzy words of one query may stand for.
        self.budget = budget or Budget(MAX_EXPANDED_TERMS, MAX_EXPANDED_POSTINGS)
        # Names in queries also find the articles about what they name.
        self.gazetteer = gazetteer or load_gazetteer()
        self._names = entity_words(self.gazetteer).plugin()
        # Per-segment arrays and words, reused by the next index state.
        self._shared = Shared(aliases=self.gazetteer.derived("entity_aliases", entity_aliases))
        # How many requests search at once (default: one per core; see States).
        self._states = States(live, self._shared, concurrency)

    def span(self) -> contextlib.AbstractContextManager[None]:
        """One caller's reads: one search turn and one index state for all (`States.span`)."""
        return self._states.span()

    def _using(self) -> contextlib.AbstractContextManager[IndexState]:
        """The current index state, kept open until the block ends."""
        return self._states.using()

    @property
    def _state(self) -> IndexState | None:
        """The current index state, if one is open (for tests)."""
        return self._states.current

    def served(self) -> tuple[StateKey, int] | None:
        """The key and article count of the state searches use now, if one is open.

        Reads no index: an open searcher's count is its segments' counts, in memory.
        """
        state = self._states.current
        if state is None:
            return None
        return state.key, state.searcher.doc_count()

    def close(self) -> None:
        self._states.close()

    def warm(self) -> None:
        """Open the current index state now (facet arrays, lengths, names), not on a search."""
        with self._using() as state:
            for fieldname in SEARCH_FIELDS:
                state.postings.lengths(fieldname)
            state.lexicon.warm(SEARCH_FIELDS)
            state.entity_names()
            state.spelling()
            for name in FILTER_PARAMS:
                state.known_values(name)

    @property
    def generation(self) -> str:
        return self.live.generation

    # -- search -----------------------------------------------------------

    def search(
        self, request: SearchRequest, *, facet_limit: int = RESULT_FACET_LIMIT
    ) -> SearchResult:
        with self._using() as state:
            return self._search(state, request, facet_limit)

    def _search(self, state: IndexState, request: SearchRequest, facet_limit: int) -> SearchResult:
        started = time.perf_counter()
        parsed = self._parse(state, request.q)
        matches = self._text_matches(state, parsed)
        restricted = restrictions(state, request)
        matched = combine(matches.mask, restricted)
        total = int(matched.sum())
        hits = self._hits(state, request, parsed.query, matches, matched, total)
        filter_matches, filter_suggestions = filter_values(state.known_values, request)
        # The facets mark the archive's spellings of the selected values selected,
        # and list an unknown value as given, so that it can be removed.
        selected: dict[str, list[str]] = {}
        for name, items in filter_matches.items():
            selected.setdefault(name, []).extend(m for item in items for m in item.matches)
        for name, unknown in filter_suggestions.items():
            selected.setdefault(name, []).extend(item.value for item in unknown)
        facets, distinct = result_facets(
            state.facets, request, matches.mask, restricted, matched, facet_limit, selected
        )
        suggestion = None
        if total < FEW_RESULTS and request.q:
            suggestion = correct_query(state, request.q)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(
            request,
            total,
            hits,
            facets,
            distinct,
            took,
            suggestion,
            parsed.notice,
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
        states = self._states
        # A turn while matching only: reading the match set later takes none.
        with states.turn():
            state = states.acquire()
            try:
                matches = self._text_matches(state, self._parse(state, request.q))
                mask = combine(matches.mask, restrictions(state, request), exclude=exclude)
                matched = MatchSet(state.searcher, state.facets, mask, matches.scores, state.key[0])
            except BaseException:
                states.release(state)
                raise
        # The match set holds its index state open (an export reads from it
        # long after this returns) until the match set itself is dropped.
        weakref.finalize(matched, states.release, state)
        return matched

    def highlight_terms(self, q: str) -> dict[str, frozenset[str]]:
        """The analysed words a search for `q` marks, per language group (for article pages)."""
        with self._using() as state:
            try:
                parsed = self._parse(state, q)
            except QueryTooBroad:
                return {}  # an article reached with such a query is shown unmarked
            return self._terms(state, q, parsed.query)

    def _terms(
        self, state: IndexState, q: str, text_query: Query | None
    ) -> dict[str, frozenset[str]]:
        terms = state.terms.get(q)
        if terms is None:
            terms = query_terms(text_query, state.postings.expand) if text_query else {}
            remember(state.terms, q, terms)
        return terms

    def _parse(self, state: IndexState, q: str) -> ParsedQuery:
        """The parsed query and its pruned form, cached per index state (parsing costs ms).

        Raises `QueryTooBroad` when its prefixes, wildcards and fuzzy words stand
        for more than the budget allows; counting them reads no posting.
        """
        cached = state.parsed.get(q)
        if cached is None:
            query, notice = self._read(state, q)
            pruned = prune(query, state.postings) if query is not None else None
            refused = None
            if pruned is not None:
                try:
                    state.lexicon.cost(pruned, self.budget)
                except OverBudget as over:
                    refused = (over.limit, over.allowed)
            cached = ParsedQuery(query, pruned, notice, refused)
            remember(state.parsed, q, cached)
        if cached.refused is not None:
            # A new exception each time: raising a kept one would grow its traceback.
            raise QueryTooBroad(*cached.refused)
        return cached

    def _read(self, state: IndexState, q: str) -> tuple[Query | None, str | None]:
        """The Whoosh tree of a query text and its notice, read once per generation."""
        key = (state.key[0], q)
        read = state.shared.queries.get(key)
        if read is None:
            read = parse_text_query(
                q, state.searcher.schema, SEARCH_FIELDS, SEARCH_BOOSTS, plugins=[self._names]
            )
            remember(state.shared.queries, key, read)
        return read

    def _text_matches(self, state: IndexState, parsed: ParsedQuery) -> _Matches:
        """Every document the words match, with its score, in one pass."""
        size = state.facets.doc_count
        if parsed.query is None:
            return _Matches(state.all_docs, None)
        if parsed.pruned is None:
            return _Matches(np.zeros(size, dtype=np.bool_), np.zeros(size))
        mask, scores = evaluate(parsed.pruned, state.postings)
        return _Matches(mask, scores)

    def _hits(
        self,
        state: IndexState,
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
        scores = matches.scores
        page = state.facets.ranked(matched, scores, request.sort, wanted)[first:].tolist()
        terms = self._terms(state, request.q, text_query)
        return [
            hit(
                state.stored(docnum),
                float(scores[docnum]) if scores is not None else None,
                terms,
            )
            for docnum in page
        ]

    # -- did you mean -----------------------------------------------------

    def did_you_mean(self, q: str) -> str | None:
        """What a search for `q` that finds little offers instead (None: nothing better)."""
        with self._using() as state:
            return correct_query(state, q)

    # -- articles ---------------------------------------------------------

    def article(self, article_id: str) -> dict[str, Any] | None:
        """The stored fields of an article, or None."""
        with self._using() as state:
            stored: dict[str, Any] | None = state.searcher.document(id=article_id)
            return stored

    def related(self, article_id: str, limit: int = 5) -> list[RelatedArticle]:
        """Articles sharing entities and distinctive words with this one, and why."""
        with self._using() as state:
            return related_articles.related(state, article_id, limit)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Completions for what a reader is typing: entities, then titles."""
        prefix = clean_prefix(prefix)
        if len(prefix) < 2:
            return []
        with self._using() as state:
            return suggestions(
                state.entity_names(),
                state.title_matches(),
                state.stored,
                state.facets,
                prefix,
                limit,
            )
