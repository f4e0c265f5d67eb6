"""Index states: what the search core holds open for one state of the index, and for how long.

An index state is one generation folder (a rebuild makes a new one) at one
Whoosh table of contents (an update makes a new one); `state_key` names it,
and the JSON API's version is that name. Per state the core opens one
searcher and reads its facet arrays, live documents, word lists and posting
cache; `Searcher.refresh()` is never used. What is read per segment is handed
on to the next state (`Shared`): an upload adds a small segment to big ones,
and the new state reads only that.

`States` hands the current state to requests: a state that a newer one has
replaced is closed when its last request is done, so a long export, or a
search that started just before an upload committed, never finds its
searcher closed under it.

Threads: many requests read one state at once, with no lock around reads.
The searcher's files move no shared position (`index.shared_files`); what a
state makes once (entity names, speller, a filter's known values) is made
under the state's `filling` lock, and the caches that requests fill as they
go are either filled idempotently (two threads computing one entry compute
the same) or mutated under their own small lock (`remember`, the LRU caches
of `engine` and `lexicon`).

May import `indexer.embedded.index` and the search modules below the core
(facets, engine, lexicon, spelling, suggest, filter_values); never the core.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from whoosh import scoring
from whoosh.query import Query
from whoosh.searching import Searcher

from indexer.archive.request import LANGUAGE_NAMES
from indexer.embedded.index.columns import Mask, SegmentKey, live_documents, segment_key
from indexer.embedded.index.schema import FALLBACK, TEXT_LANGUAGES, text_field
from indexer.embedded.index.store import LiveIndex
from indexer.embedded.search.documents import DocumentCache, StoredDocuments
from indexer.embedded.search.engine import PostingCache, Postings
from indexer.embedded.search.facets import KINDS, FacetData, SegmentCache
from indexer.embedded.search.filter_values import KnownValues
from indexer.embedded.search.lexicon import Lexicon, LexiconCache
from indexer.embedded.search.spelling import Corrections, Speller, WordCache
from indexer.embedded.search.suggest import EntityNames, NameIndex
from indexer.embedded.search.title_matches import TitleMatches

# The generation folder's name and, within it, the Whoosh table of contents' number.
StateKey = tuple[str, int]
T = TypeVar("T")
# Parsed queries, filter masks and highlight words kept per state, at most.
CACHED_PER_STATE = 1000


def state_key(live: LiveIndex) -> tuple[Any, StateKey]:
    """The live index's current Whoosh index and the key of its state."""
    generation, ix, update = live.state()
    return ix, (generation, update)


def version(key: StateKey) -> str:
    """An index state's key as the API's version string: `<generation>.<update>`."""
    return f"{key[0]}.{key[1]}"


@dataclass(frozen=True)
class ParsedQuery:
    """A query text read for one index state; `refused` (limit, allowed) when over budget."""

    query: Query | None
    pruned: Query | None
    notice: str | None
    refused: tuple[str, int] | None


@dataclass
class Shared:
    """What the index states of one search core hand on to the next.

    What is read per segment (facet arrays, spelling words, the fields' word
    lists, posting lists and positions) is kept by segment, and the entity
    name index only grows, so a new state reads and files only what is new.
    """

    facets: SegmentCache = field(default_factory=dict)
    words: WordCache = field(default_factory=dict)
    lexicons: LexiconCache = field(default_factory=dict)
    postings: PostingCache = field(default_factory=PostingCache)
    documents: DocumentCache = field(default_factory=DocumentCache)
    names: NameIndex | None = None
    # Per entity type, each gazetteer name of an entity -> the name the archive
    # files it under: a filter `place=Wien` is the place Vienna, as the query `wien` is.
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    # Query texts read into Whoosh trees (and their notices), by generation and
    # text: reading depends on the generation's schema only, so the states an
    # upload makes read each text once; only pruning and costing are per state.
    queries: dict[tuple[str, str], tuple[Query | None, str | None]] = field(default_factory=dict)
    # The last state's values of each filter: the next state folds only its new ones.
    known: dict[str, KnownValues] = field(default_factory=dict)
    # The last state's speller: the next one counts only the new segments' words.
    speller: Speller | None = None
    # The segments of the last state whose caches were swept (see keep_only).
    _kept: set[SegmentKey] | None = None

    def keep_only(self, segments: set[SegmentKey]) -> None:
        """Forget merged or rebuilt-away segments, which would otherwise stay in memory."""
        # An upload only adds a segment: nothing to forget, and the posting
        # cache's hundreds of thousands of entries need no walk.
        if self._kept is not None and self._kept <= segments:
            self._kept = segments
            return
        self._kept = segments
        for cache in (self.facets, self.words, self.lexicons):
            # A snapshot of the keys (one step under the GIL): a search of the
            # older state may file a segment's words meanwhile.
            for stale in set(list(cache)) - segments:
                cache.pop(stale, None)
        self.postings.keep_only(segments)
        self.documents.keep_only(segments)


@dataclass
class IndexState:
    """A searcher and the arrays and caches of one index state."""

    key: StateKey
    searcher: Searcher
    facets: FacetData
    shared: Shared
    all_docs: Mask = field(init=False)
    lexicon: Lexicon = field(init=False)
    postings: Postings = field(init=False)
    # Stored fields by document number, decoded once per segment (see documents).
    stored: StoredDocuments = field(init=False)
    # Document masks of filters, by (filter, values): filters repeat across requests.
    filter_masks: dict[tuple[str, tuple[str, ...]], Mask] = field(default_factory=dict)
    # Each filter's values by folded form, made on first use.
    known: dict[str, KnownValues] = field(default_factory=dict)
    # Parsed queries by their text; the query objects are never changed after parsing.
    parsed: dict[str, ParsedQuery] = field(default_factory=dict)
    # The words to highlight, by query text: prefixes expand against this state's terms.
    terms: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)

    # Held while making what the state makes once (names, speller, known
    # values): two threads asking at once make it once, the second waits.
    filling: threading.Lock = field(default_factory=threading.Lock)
    # Entity names for suggestions and spelling words for corrections, made on
    # first use (or when the state is warmed).
    names: EntityNames | None = None
    speller: Speller | None = None
    titles: TitleMatches | None = None
    # What "did you mean" makes of each word (None: keep it), for this state only.
    corrections: Corrections[str, str | None] = field(default_factory=Corrections)
    # Requests using this state, and whether a newer state has replaced it:
    # the searcher is closed when both say it is no longer needed.
    users: int = 0
    retired: bool = False
    # The generation's folder, where segments' stored arrays and word lists are.
    folder: Path | None = None

    def __post_init__(self) -> None:
        reader = self.searcher.reader()
        self.all_docs = live_documents(reader)
        self.lexicon = Lexicon(reader, self.shared.lexicons, self.folder)
        self.postings = Postings(self.searcher, self.all_docs, self.shared.postings, self.lexicon)
        self.stored = StoredDocuments(self.searcher, self.shared.documents)

    def _once(self, found: Callable[[], T | None], make: Callable[[], T]) -> T:
        """What `found` finds, else what `make` makes and files: made once per
        state, by the first of the threads that ask at once (the others wait)."""
        value = found()
        if value is None:
            with self.filling:
                value = found()
                if value is None:
                    value = make()
        return value

    def entity_names(self) -> EntityNames:
        """The entities of this state for suggestions and casing (made once)."""
        return self._once(lambda: self.names, self._make_names)

    def _make_names(self) -> EntityNames:
        names = self.names = EntityNames(self.facets, self.all_docs, self.shared.names)
        self.shared.names = names.index
        return names

    def title_matches(self) -> TitleMatches:
        """The titles typed words begin, for suggestions (made once)."""
        return self._once(lambda: self.titles, self._make_titles)

    def _make_titles(self) -> TitleMatches:
        titles = self.titles = TitleMatches(self.postings)
        return titles

    def spelling(self) -> Speller:
        """The spelling words of this state for "did you mean" (made once)."""
        return self._once(lambda: self.speller, self._make_speller)

    def _make_speller(self) -> Speller:
        fields = spelling_fields(self.searcher)
        speller = Speller(self.lexicon, fields, self.shared.words, self.shared.speller)
        self.shared.speller = self.speller = speller
        return speller

    def known_values(self, name: str) -> KnownValues:
        """A filter's values in this index state by folded form (made once per state)."""
        return self._once(lambda: self.known.get(name), lambda: self._make_known(name))

    def _make_known(self, name: str) -> KnownValues:
        table = self.facets.tables[name]
        known = KnownValues(
            table.names,
            self.facets.live_counts(name, self.all_docs),
            self._aliases(name),
            self.shared.known.get(name),
        )
        self.shared.known[name] = self.known[name] = known
        return known

    def _aliases(self, name: str) -> dict[str, str] | None:
        """The other names a filter's values may be given by (see FacetKind.aliases)."""
        aliases = KINDS[name].aliases
        if aliases == "language":
            # `language=German` is `de`.
            return {language: code for code, language in LANGUAGE_NAMES.items()}
        if aliases == "gazetteer":
            return self.shared.aliases.get(name)
        return None


def spelling_fields(searcher: Searcher) -> list[str]:
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


# Held while `remember` changes a cache: two threads dropping "the oldest" at
# once would both pick the same key, and iterating a dict another thread
# changes raises. Reads (`cache.get`) take no lock; held for microseconds.
_remembering = threading.Lock()


def remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    """Keep a per-state answer, the oldest dropped first beyond CACHED_PER_STATE."""
    with _remembering:
        if len(cache) >= CACHED_PER_STATE and key not in cache:
            cache.pop(next(iter(cache)))
        cache[key] = value


class Turns:
    """At most `count` holders at once, the others served in the order they came.

    Not a `threading.Semaphore`: a thread that lets go of it and asks again
    at once (a server thread taking its next request) takes it again before
    a woken waiter runs, so some waiters starved for seconds (bench/threads.py,
    8 threads on 2 turns). Here a turn let go is handed to the first waiter.
    """

    def __init__(self, count: int) -> None:
        self._free = count
        self._lock = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append(gate)
        gate.acquire()  # opened by the holder that hands its turn over

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class _Span:
    """What one thread's span holds: its turn, and the state of its first read."""

    turn: bool = False
    state: IndexState | None = None


class States:
    """The current index state of one live index, opened when the index changed.

    At most `concurrency` requests use it at once (default: one per core);
    the others wait their turn before taking a state. Reads need no lock,
    but Python holds the GIL for about half a query and numpy lets go of it
    hundreds of times a query: threads beyond the cores only hand the GIL
    back and forth (8 threads on 2 cores: 3.6 -> 5.3 ms of CPU a query in
    bench/threads.py), and a worker's CPU is what its requests share.
    """

    def __init__(self, live: LiveIndex, shared: Shared, concurrency: int | None = None) -> None:
        self.live = live
        self.shared = shared
        self.concurrency = concurrency or cores()
        self._turns = Turns(self.concurrency)
        # Held to look at the index and hand out, open or retire a state (never
        # over a read). Reentrant: a match set's finalizer releases its state
        # under this lock, and the garbage collector may run it in a thread
        # that already holds it.
        self._lock = threading.RLock()
        self.current: IndexState | None = None
        # Each thread's span, while it is in one (see `span`).
        self._local = threading.local()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """One of the `concurrency` turns to search (waited for when all are taken)."""
        span = self._span()
        if span is not None:
            self._take_turn(span)
            yield
            return
        with self._turns:
            yield

    @contextlib.contextmanager
    def using(self) -> Iterator[IndexState]:
        """A turn and the current index state, kept open until the block ends."""
        span = self._span()
        if span is not None:
            yield self._span_state(span)
            return
        with self._turns:
            state = self._acquire()
            try:
                yield state
            finally:
                self.release(state)

    @contextlib.contextmanager
    def span(self) -> Iterator[None]:
        """One caller's reads (a web request's): one turn and one state for all of them.

        A page asks the core two to four times. Each ask taking its own turn
        queued behind every other request again, and each taking the state
        contended for this lock. In a span the thread takes both at its first
        read and keeps them to the end: its reads see one state, and it waits
        for a turn once. A span with no read (a 304) takes neither. Nested
        spans are the outer one.
        """
        if self._span() is not None:
            yield
            return
        span = _Span()
        self._local.span = span
        try:
            yield
        finally:
            self._local.span = None
            if span.state is not None:
                self.release(span.state)
            if span.turn:
                self._turns.__exit__()

    def _span(self) -> _Span | None:
        """This thread's span, if it is in one."""
        span: _Span | None = getattr(self._local, "span", None)
        return span

    def _take_turn(self, span: _Span) -> None:
        if not span.turn:
            self._turns.__enter__()
            span.turn = True

    def _span_state(self, span: _Span) -> IndexState:
        if span.state is None:
            self._take_turn(span)
            span.state = self._acquire()
        return span.state

    def acquire(self) -> IndexState:
        """The current index state (in a span, the span's), with one more user."""
        span = self._span()
        if span is None:
            return self._acquire()
        state = self._span_state(span)
        with self._lock:
            state.users += 1
        return state

    def _acquire(self) -> IndexState:
        """The current index state, opened if the index changed, with one more user."""
        with self._lock:
            # The key is read under the lock: a thread that read it just before an
            # update committed could otherwise replace the newer state with an older
            # one, and the next request would open the newer one again (each open
            # rebuilds the state's arrays). LiveIndex is not thread-safe either.
            ix, key = state_key(self.live)
            state = self.current
            if state is None or state.key != key:
                state = self._open(ix, key)
                old, self.current = self.current, state
                if old is not None:
                    _retire(old)
            state.users += 1
            return state

    def release(self, state: IndexState) -> None:
        with self._lock:
            state.users -= 1
            if state.retired and not state.users:
                state.searcher.close()

    def close(self) -> None:
        with self._lock:
            state, self.current = self.current, None
            if state is not None:
                _retire(state)

    def _open(self, ix: Any, key: StateKey) -> IndexState:
        searcher = ix.searcher(weighting=scoring.BM25F())
        reader = searcher.reader()
        # Segments' facet arrays and word lists are stored in the generation's folder.
        folder = self.live.location.root / key[0]
        # An upload's state extends the last state's facet tables (same generation).
        last = self.current
        previous = last.facets if last is not None and last.key[0] == key[0] else None
        facets = FacetData(reader, self.shared.facets, folder, previous)
        state = IndexState(key, searcher, facets, self.shared, folder=folder)
        self.shared.keep_only({segment_key(leaf) for leaf, _ in reader.leaf_readers()})
        return state


def _retire(state: IndexState) -> None:
    """A state no new request gets (call with the lock): closed once unused."""
    state.retired = True
    if not state.users:
        state.searcher.close()
