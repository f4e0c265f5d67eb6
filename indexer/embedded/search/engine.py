"""Evaluating a query over whole posting lists with numpy: matches and BM25F scores.

The search core needs every match of a query (an exact total, facet counts
over all of them), so a top-N search that skips documents does not help,
and scoring document by document in Python (as Whoosh's matchers would)
costs tens of milliseconds for a common word in a 100k archive. Here each
term's posting list is read once per segment into arrays (document numbers
and weights; `PostingCache`, kept for the index states that share the
segment), and the query tree is evaluated as array operations: OR is `|`,
AND is `&`, NOT is `& ~`, and scores are summed as Whoosh's matchers sum
them. Scores use Whoosh's own BM25F formula, idf and field lengths, so the
ranking is the one Whoosh would give. Whoosh's reader only reads a
segment's posting lists, positions and field lengths.

Phrases need positions: each word's positions are decoded once into sorted
keys (document and position in one integer) and a phrase is found with
sorted-array lookups; its score is its words' scores. Prefix, wildcard and
fuzzy terms stand for the words `indexer.embedded.search.lexicon` finds for
them (the words Whoosh's expansion finds, from word lists in memory).

Proximity: a query of several words (Vindex ANDs them) also ranks higher the
documents where those words stand close together, in the query's order: in
each field, the words are looked for as a sloppy phrase, and where they are
found, a share of that phrase's score is added. It changes only the order,
never which documents match.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# numpy.unique imports numpy.ma on its first call (16 ms): imported with this
# module instead, so that the first search after a start does not pay it.
import numpy.ma
import numpy.typing as npt
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.query import (
    And,
    AndMaybe,
    AndNot,
    DisjunctionMax,
    Every,
    Not,
    Or,
    Phrase,
    Query,
    Term,
)
from whoosh.query.qcore import _NullQuery
from whoosh.query.terms import MultiTerm
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from indexer.embedded.index.columns import Mask, SegmentKey, segment_key
from indexer.embedded.index.schema import SEARCH_FIELDS
from indexer.embedded.search.lexicon import Lexicon

Scores = npt.NDArray[np.float64]

# BM25F parameters: Whoosh's defaults, as used when the index is searched through Whoosh.
B = 0.75
K1 = 1.2
# How many postings the shared cache may hold across all terms and segments (about
# 16 bytes each); each index state caches its scored lists within half of that.
CACHE_POSTINGS = 8_000_000
# What a cache entry costs beyond its postings (key, tuple, array headers), in postings.
ENTRY_POSTINGS = 32
# Positions within a field stay below 2**24 (16M words): see Postings.positions.
POSITION_BITS = 24
# Beyond this slop a phrase is "these words near each other", checked pairwise.
MAX_SLOP = 64
# A phrase decodes only its candidate documents' positions in a segment when
# they are fewer than 1/SPARSE_DECODE of the word's postings there (skipping
# costs more per document than reading on); otherwise all of them, cached.
SPARSE_DECODE = 4
# The proximity bonus (see the module docstring): the query's words count as
# close when each follows the one before within PROXIMITY_SLOP positions, and
# such a field adds PROXIMITY_WEIGHT times its phrase score. Measured with
# bench/relevance.py (README, "Relevance").
PROXIMITY_SLOP = 1
PROXIMITY_WEIGHT = 1.0
# Queries of more words than this get no bonus: a long query is rarely a phrase.
PROXIMITY_MAX_WORDS = 6

_NO_POSTINGS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
_NO_KEYS = np.zeros(0, dtype=np.int64)
# The fields whose words a segment's absence is asked of the lexicon (words in
# memory, `Lexicon.in_segment`) rather than of Whoosh's term dictionary.
_LEXICON_FIELDS = frozenset(SEARCH_FIELDS)
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class PostingCache:
    """Posting lists and positions of segments, shared by the index states that hold them.

    A segment never changes (deletions are the live mask's business), so an
    upload's new state decodes only its own segment's postings: with a cache
    per state, every state after an upload decoded its common words again.
    Least recently used first out, within a budget of postings.
    """

    def __init__(self, budget: int = CACHE_POSTINGS) -> None:
        self.budget = budget
        self._entries: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()
        self._held = 0
        # The searches of several threads (and of two index states) use it at
        # once: the LRU order and its size change under this lock, held for
        # microseconds; lists are decoded outside it (one decoded twice by two
        # threads is the same list, kept once).
        self._keeping = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[Any, Any] | None:
        """A cached entry, now the most recently used; None when not cached."""
        with self._keeping:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
            return cached

    def put(self, key: tuple[Any, ...], value: tuple[Any, Any]) -> None:
        with self._keeping:
            old = self._entries.get(key)
            if old is not None:
                self._held -= _cost(old)
            self._entries[key] = value
            self._held += _cost(value)
            while self._held > self.budget and len(self._entries) > 1:
                _, old = self._entries.popitem(last=False)
                self._held -= _cost(old)

    def keep_only(self, segments: set[SegmentKey]) -> None:
        """Forget the entries of segments no longer in the index (merged, rebuilt away)."""
        with self._keeping:
            for key in [key for key in self._entries if key[0] not in segments]:
                self._held -= _cost(self._entries.pop(key))


def _cost(entry: tuple[Any, Any]) -> int:
    """An entry's size in postings, its key and arrays included: most words are in
    none of an upload's small segments, and those empty entries must count too (a
    budget of postings alone let them pile up by the ten thousand)."""
    return len(entry[0]) + ENTRY_POSTINGS


class Postings:
    """Posting lists and field lengths of one index state, read on demand and cached.

    Raw postings and positions are read per segment into a `PostingCache`
    shared with the states that follow; scores depend on the whole state
    (idf, lengths) and are cached here.
    """

    def __init__(
        self,
        searcher: Any,
        live_docs: Mask,
        shared: PostingCache | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.lexicon = lexicon if lexicon is not None else Lexicon(self.reader)
        self.size = self.reader.doc_count_all()
        self.live = live_docs
        self.shared = shared if shared is not None else PostingCache()
        self._leaves = [
            (leaf, base, segment_key(leaf)) for leaf, base in self.reader.leaf_readers()
        ]
        self._postings: OrderedDict[tuple[str, Any], tuple[Any, Any]] = OrderedDict()
        self._held = 0
        # As PostingCache's: scored lists are computed outside it, kept under it.
        self._keeping = threading.Lock()
        self._lengths: dict[str, Scores] = {}
        self._average: dict[str, float] = {}

    def postings(self, fieldname: str, text: Any) -> tuple[npt.NDArray[np.int64], Scores]:
        """The word's documents (numbers in this state) and their weights."""
        ids = []
        weights = []
        for leaf, base, segment in self._leaves:
            part = self._segment_postings(leaf, segment, fieldname, text)
            if len(part[0]):
                ids.append(part[0] + base)
                weights.append(part[1])
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(ids), np.concatenate(weights)

    def _segment_postings(
        self, leaf: Any, segment: SegmentKey, fieldname: str, text: Any
    ) -> tuple[npt.NDArray[np.int64], Scores]:
        """The word's documents in one segment (its own numbers) and their weights, cached."""
        key = (segment, fieldname, "postings", text)
        part = self.shared.get(key)
        if part is None:
            local: list[int] = []
            found: list[float] = []
            matcher = (
                _matcher(leaf, fieldname, text)
                if self._may_have(leaf, segment, fieldname, text)
                else None
            )
            if matcher is not None:
                _read_all(matcher, 0, local, found)
            part = (
                (np.asarray(local, dtype=np.int64), np.asarray(found, dtype=np.float64))
                if local
                else _NO_POSTINGS
            )
            self.shared.put(key, part)
        return part

    def doc_frequency(self, fieldname: str, text: Any) -> int:
        """Whoosh's document frequency of the word (deleted documents too).

        From the lexicon's words in memory for the searched prose fields: a
        new index state (one per upload) asked Whoosh's term files of every
        segment for each word of each query again, to prune its absent terms.
        """
        if _in_lexicon(fieldname, text):
            return self.lexicon.doc_frequency(fieldname, text)
        return int(self.reader.doc_frequency(fieldname, text))

    def _may_have(self, leaf: Any, segment: SegmentKey, fieldname: str, text: Any) -> bool:
        """False when the segment surely lacks the word (from the lexicon's words in memory)."""
        if not _in_lexicon(fieldname, text):
            return True
        return self.lexicon.in_segment(leaf, segment, fieldname, text)

    def scored(self, fieldname: str, text: Any) -> tuple[npt.NDArray[np.int64], Scores]:
        """The word's documents and their BM25F scores at boost 1 (weights if unscorable)."""
        key = (fieldname, ("scored", text))
        cached = self._recall(key)
        if cached is not None:
            return cached
        ids, weights = self.postings(fieldname, text)
        if len(ids) and self.searcher.schema[fieldname].scorable:
            lengths = self.lengths(fieldname)[ids]
            average = self.average_length(fieldname)
            # Whoosh's idf: its document frequency counts the postings of
            # deleted documents too, as len(ids) does.
            idf = math.log(self.size / (len(ids) + 1)) + 1
            scores = idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / average))
        else:
            scores = weights
        result = (ids, scores)
        self._remember(key, result)
        return result

    def expand(self, query: MultiTerm) -> tuple[str, ...]:
        """The indexed words a prefix, wildcard or fuzzy term stands for (cached)."""
        return self.lexicon.expand(query).words

    def lengths(self, fieldname: str) -> Scores:
        """Every document's length in the field, as Whoosh's scorer sees it."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            parts = []
            for leaf, _base in self.reader.leaf_readers():
                count = leaf.doc_count_all()
                column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                if column is None:
                    parts.append(np.ones(count, dtype=np.float64))
                else:
                    parts.append(_BYTE_TO_LENGTH[_length_bytes(column, count)])
            lengths = np.concatenate(parts) if parts else np.zeros(0)
            self._lengths[fieldname] = lengths
        return lengths

    def average_length(self, fieldname: str) -> float:
        average = self._average.get(fieldname)
        if average is None:
            average = self.searcher.avg_field_length(fieldname) or 1.0
            self._average[fieldname] = average
        return average

    def positions(
        self, fieldname: str, text: Any, documents: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[np.int64]:
        """Occurrences of the word in the field as one sorted key per position.

        A key is `document << POSITION_BITS | position`, so "word B right after
        word A" is "key of B minus one is a key of A": a phrase is a few
        sorted-array lookups instead of a walk over documents. All of a word's
        positions are decoded once per segment and cached with the posting
        lists; with `documents` (sorted numbers in this state), a segment where
        those are few against the word's postings decodes only theirs, uncached.
        """
        parts = []
        for leaf, base, segment in self._leaves:
            wanted = None
            if documents is not None:
                low, high = np.searchsorted(documents, [base, base + leaf.doc_count_all()])
                wanted = documents[low:high] - base
                if not len(wanted):
                    continue
            keys = self._segment_keys(leaf, segment, fieldname, text, wanted)
            if len(keys):
                # Later segments hold higher document numbers: the parts stay in order.
                parts.append(keys + (base << POSITION_BITS))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _segment_keys(
        self,
        leaf: Any,
        segment: SegmentKey,
        fieldname: str,
        text: Any,
        wanted: npt.NDArray[np.int64] | None,
    ) -> npt.NDArray[np.int64]:
        """`positions` in one segment, with its own document numbers."""
        count = len(self._segment_postings(leaf, segment, fieldname, text)[0])
        if not count:
            return _NO_KEYS  # no postings here, so no positions to decode
        key = (segment, fieldname, "positions", text)
        part = self.shared.get(key)
        if part is None:
            decode = self.searcher.schema[fieldname].format.decode_positions
            if wanted is not None and len(wanted) * SPARSE_DECODE < count:
                return _segment_positions(leaf, fieldname, text, decode, wanted)
            part = (_segment_positions(leaf, fieldname, text, decode), None)
            self.shared.put(key, part)
        keys: npt.NDArray[np.int64] = part[0]
        if wanted is not None and len(keys):
            keys = keys[np.isin(keys >> POSITION_BITS, wanted)]
        return keys

    def phrase_documents(
        self, fieldname: str, words: tuple[Any, ...], slop: int
    ) -> npt.NDArray[np.int64]:
        """The documents where the words stand as a phrase (numbers in this state).

        Found per segment, and kept with the segment's postings for the states
        that follow: whether a document holds a phrase is its own affair, and
        an upload's new state (one a second under load) found every phrase of
        every query again, decoding positions in each segment.
        """
        key = (fieldname, ("phrase", words, slop))
        cached = self._recall(key)
        if cached is None:
            parts = []
            for leaf, base, segment in self._leaves:
                shared_key = (segment, fieldname, "phrase", words, slop)
                part = self.shared.get(shared_key)
                if part is None:
                    part = (self._segment_phrase(leaf, segment, fieldname, words, slop), None)
                    self.shared.put(shared_key, part)
                if len(part[0]):
                    parts.append(part[0] + base)
            found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            cached = (found, None)
            self._remember(key, cached)
        documents: npt.NDArray[np.int64] = cached[0]
        return documents

    def _segment_phrase(
        self, leaf: Any, segment: SegmentKey, fieldname: str, words: tuple[Any, ...], slop: int
    ) -> npt.NDArray[np.int64]:
        """The segment's documents (its own numbers) where the words stand as a phrase."""

        def postings(word: Any) -> npt.NDArray[np.int64]:
            return self._segment_postings(leaf, segment, fieldname, word)[0]

        candidates: npt.NDArray[np.int64] | None = None
        for word in sorted(set(words), key=lambda w: len(postings(w))):
            ids = postings(word)
            candidates = (
                ids if candidates is None else np.intersect1d(candidates, ids, assume_unique=True)
            )
            if not len(candidates):
                return candidates
        assert candidates is not None
        # Keys of positions where the phrase so far ends; each next word must
        # follow one of them within the slop.
        reached = self._segment_keys(leaf, segment, fieldname, words[0], candidates)
        slop = max(1, min(slop, MAX_SLOP))
        for word in words[1:]:
            if not len(reached):
                break
            following = self._segment_keys(leaf, segment, fieldname, word, candidates)
            hit = np.zeros(len(following), dtype=np.bool_)
            for gap in range(1, slop + 1):
                hit |= _contains(reached, following - gap)
            reached = following[hit]
        return np.unique(reached >> POSITION_BITS)

    def _recall(self, key: tuple[str, Any]) -> tuple[Any, Any] | None:
        """A cached entry, now the most recently used; None when not cached."""
        with self._keeping:
            cached = self._postings.get(key)
            if cached is not None:
                self._postings.move_to_end(key)
            return cached

    def _remember(self, key: tuple[str, Any], value: tuple[Any, Any]) -> None:
        with self._keeping:
            old = self._postings.get(key)
            if old is not None:
                self._held -= _cost(old)
            self._postings[key] = value
            self._held += _cost(value)
            while self._held > CACHE_POSTINGS // 2 and len(self._postings) > 1:
                _, old = self._postings.popitem(last=False)
                self._held -= _cost(old)


def _in_lexicon(fieldname: str, text: Any) -> bool:
    """Whether the lexicon holds the field's words, so that it can answer for this one."""
    return fieldname in _LEXICON_FIELDS and isinstance(text, str)


def _matcher(leaf: Any, fieldname: str, text: Any) -> Any:
    """The word's postings in a segment, None when it has none: one lookup in the
    term dictionary (asking `in` first looked every word up twice, a quarter of the
    time of reading a prefix's thousands of short lists)."""
    try:
        return leaf.postings(fieldname, text)
    except TermNotFound:
        return None


def _segment_positions(
    leaf: Any,
    fieldname: str,
    text: Any,
    decode: Callable[[Any], list[int]],
    wanted: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """A segment's sorted position keys of a word, with the segment's own document numbers.

    With `wanted` (sorted document numbers of the segment), only those
    documents' positions: blocks without any of them are skipped unread.
    """
    docs: list[int] = []
    counts: list[int] = []
    places: list[int] = []
    matcher = _matcher(leaf, fieldname, text)
    if matcher is None:
        pass
    elif hasattr(matcher, "_read_ids"):
        _block_positions(matcher, decode, wanted, docs, counts, places)
    else:
        while matcher.is_active():
            doc = matcher.id()
            if wanted is None or _has(wanted, doc):
                found = decode(matcher.value())
                docs.append(doc)
                counts.append(len(found))
                places.extend(found)
            matcher.next()
    owners = np.repeat(np.asarray(docs, dtype=np.int64), counts)
    keys = (owners << POSITION_BITS) | np.asarray(places, dtype=np.int64)
    keys.sort()
    return keys


def _block_positions(
    matcher: Any,
    decode: Callable[[Any], list[int]],
    wanted: npt.NDArray[np.int64] | None,
    docs: list[int],
    counts: list[int],
    places: list[int],
) -> None:
    """Positions from Whoosh 2.7's block matcher, a block at a time.

    A block's header says its last document; a block ending before the next
    wanted one is passed without unpickling its data, which is what stepping
    through it costs.
    """
    at = 0  # the first wanted document not yet passed
    while not matcher._atend:
        if wanted is not None:
            if at >= len(wanted):
                return
            if matcher._maxid < wanted[at]:
                matcher._next_block()
                continue
        matcher._read_ids()
        matcher._read_values()
        ids = matcher._ids
        values = matcher._values
        if wanted is None:
            chosen: Any = range(len(ids))
        else:
            end = int(np.searchsorted(wanted, matcher._maxid, side="right"))
            block = np.asarray(ids, dtype=np.int64)
            where = np.searchsorted(block, wanted[at:end])
            where[where == len(block)] = 0
            chosen = where[block[where] == wanted[at:end]].tolist()
            at = end
        for i in chosen:
            found = decode(values[i])
            docs.append(ids[i])
            counts.append(len(found))
            places.extend(found)
        matcher._next_block()


def _has(sorted_values: npt.NDArray[np.int64], value: int) -> bool:
    where = int(np.searchsorted(sorted_values, value))
    return where < len(sorted_values) and int(sorted_values[where]) == value


def _length_bytes(column: Any, count: int) -> npt.NDArray[np.uint8]:
    """A segment's length column as bytes, one per document.

    Whoosh stores it as fixed one-byte values, read here in one piece
    (iterating its reader costs a microsecond a document); documents past
    the stored ones have the column's default.
    """
    if getattr(column, "_fixedlen", None) == 1 and getattr(column, "_typecode", None) == "B":
        stored = min(column._count, count)
        raw = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
        if stored == count:
            return raw
        return np.concatenate([raw, np.full(count - stored, column._default, dtype=np.uint8)])
    return np.fromiter(column, dtype=np.uint8, count=count)


def _read_all(matcher: Any, base: int, ids: list[int], weights: list[float]) -> None:
    """All postings of a leaf matcher, a block at a time where the codec allows."""
    if hasattr(matcher, "_read_ids"):
        # Whoosh 2.7's block matcher: decode whole blocks instead of stepping.
        while not matcher._atend:
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(base + docnum for docnum in matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
        return
    while matcher.is_active():
        ids.append(base + matcher.id())
        weights.append(matcher.weight())
        matcher.next()


def evaluate(query: Query, postings: Postings) -> tuple[Mask, Scores]:
    """The documents the query matches and their scores (zero where it does not match)."""
    mask, scores = _evaluate(query, postings)
    mask = mask & postings.live
    bonus = proximity(query, postings)
    if bonus is not None:
        scores = scores + bonus
    return mask, np.where(mask, scores, 0.0)


def proximity(query: Query, postings: Postings) -> Scores | None:
    """The bonus of the documents where the query's words stand close, in order.

    Only for a query that is an AND of plain words (each word a group of terms
    over the prose fields, as the parser spreads it; an entity field a word
    also matches has no positions and is left out), with or without excluded
    words; None for anything else, and where no field has all the words.
    """
    if isinstance(query, AndNot):
        query = query.a
    if not isinstance(query, And) or not 2 <= len(query.subqueries) <= PROXIMITY_MAX_WORDS:
        return None
    schema = postings.searcher.schema
    groups = []
    for child in query.subqueries:
        terms = _word_terms(child)
        if terms is None:
            return None
        groups.append(
            {
                field: found
                for field, found in terms.items()
                if field in schema and schema[field].format.supports("positions")
            }
        )
    shared = set(groups[0]).intersection(*groups[1:])
    if not shared:
        return None
    bonus = np.zeros(postings.size)
    for field in sorted(shared):
        words = tuple(group[field][0] for group in groups)
        boost = groups[0][field][1]
        # The phrase's documents (positions decoded only where every word is,
        # cached per index state), scored by its words.
        near = postings.phrase_documents(field, words, PROXIMITY_SLOP)
        near = near[postings.live[near]]
        bonus[near] += _word_scores(postings, field, words, boost, near)
    weighted: Scores = bonus * (PROXIMITY_WEIGHT * query.boost)
    return weighted


def _word_terms(query: Query) -> dict[str, tuple[Any, float]] | None:
    """A word group's terms, field -> (text, boost); None if it is not plain words."""
    if isinstance(query, Term):
        return {query.fieldname: (query.text, query.boost)}
    if not isinstance(query, Or):
        return None
    terms: dict[str, tuple[Any, float]] = {}
    for child in query.subqueries:
        found = _word_terms(child)
        if found is None:
            return None
        for field, (text, boost) in found.items():
            if field in terms and terms[field][0] != text:
                # Two words in one field (a compound, an OR): no single phrase.
                return None
            terms[field] = (text, boost * query.boost)
    return terms


def _empty(postings: Postings) -> tuple[Mask, Scores]:
    return np.zeros(postings.size, dtype=np.bool_), np.zeros(postings.size)


def _evaluate(query: Query, postings: Postings) -> tuple[Mask, Scores]:
    if isinstance(query, _NullQuery):
        return _empty(postings)
    if isinstance(query, Every):
        return postings.live.copy(), np.zeros(postings.size)
    if isinstance(query, Term | MultiTerm):
        return _union([query], postings)
    if isinstance(query, Phrase):
        return _phrase(query, postings)
    if isinstance(query, Not):
        inner, _ = _evaluate(query.query, postings)
        return ~inner, np.zeros(postings.size)
    if isinstance(query, AndNot):
        positive, scores = _evaluate(query.a, postings)
        negative, _ = _evaluate(query.b, postings)
        return positive & ~negative, scores
    if isinstance(query, AndMaybe):
        required, scores = _evaluate(query.a, postings)
        optional, extra = _evaluate(query.b, postings)
        return required, scores + np.where(optional, extra, 0.0)
    if isinstance(query, And):
        mask = np.ones(postings.size, dtype=np.bool_)
        scores = np.zeros(postings.size)
        for child in query.subqueries:
            child_mask, child_scores = _evaluate(child, postings)
            mask &= child_mask
            scores += child_scores
        return mask, scores * query.boost
    if isinstance(query, DisjunctionMax):
        parts = [_evaluate(child, postings) for child in query.subqueries]
        if not parts:
            return _empty(postings)
        stacked = np.vstack([scores for _, scores in parts])
        best = stacked.max(axis=0)
        mask = np.logical_or.reduce([m for m, _ in parts])
        scores = best + query.tiebreak * (stacked.sum(axis=0) - best)
        return mask, scores * query.boost
    if isinstance(query, Or):
        mask, scores = _union(query.subqueries, postings)
        return mask, scores * query.boost
    # Anything else (ranges, nested spans): Whoosh finds the documents, unscored.
    mask = np.zeros(postings.size, dtype=np.bool_)
    found = np.fromiter(postings.searcher.docs_for_query(query), dtype=np.int64)
    mask[found] = True
    return mask, np.zeros(postings.size)


def _union(queries: list[Query], postings: Postings) -> tuple[Mask, Scores]:
    """Documents matching any of the queries, their scores summed.

    Words (also those a prefix expands to) are gathered as sparse
    (documents, scores) pairs and summed with one bincount: a union of a
    hundred words costs about what one dense array does.
    """
    ids: list[npt.NDArray[np.int64]] = []
    scores: list[Scores] = []
    mask = np.zeros(postings.size, dtype=np.bool_)
    # None until something is summed: the first sum is the total itself (0.0 +
    # x is x), which saves a zeroed array and a pass over it per union.
    total: Scores | None = None
    for query in queries:
        if isinstance(query, Term):
            _sparse_term(query.fieldname, query.text, query.boost, postings, ids, scores)
        elif isinstance(query, MultiTerm):
            for text in postings.expand(query):
                _sparse_term(query.fieldname, text, query.boost, postings, ids, scores)
        elif not isinstance(query, _NullQuery):
            child_mask, child_scores = _evaluate(query, postings)
            mask |= child_mask
            total = child_scores.copy() if total is None else total + child_scores
    if ids:
        every = np.concatenate(ids)
        mask[every] = True
        # float64 already (the weights are); the cast only tells the type checker.
        summed: Scores = np.bincount(
            every, weights=np.concatenate(scores), minlength=postings.size
        ).astype(np.float64, copy=False)
        total = summed if total is None else total + summed
    return mask, total if total is not None else np.zeros(postings.size)


def _sparse_term(
    fieldname: str,
    text: Any,
    boost: float,
    postings: Postings,
    ids: list[npt.NDArray[np.int64]],
    scores: list[Scores],
) -> None:
    found, base = postings.scored(fieldname, text)
    if len(found):
        ids.append(found)
        scores.append(base * boost if boost != 1 else base)


def _phrase(query: Phrase, postings: Postings) -> tuple[Mask, Scores]:
    """Documents with the words in order, each at most `slop` after the one before.

    Scored by its words, as Whoosh scores a phrase. Positions are decoded only
    in the documents that hold every word of the phrase: with every word
    indexed, a phrase over "the" or "of" would otherwise decode a position list
    in nearly every document (281 ms cold for "the company said" on Reuters).
    """
    mask = np.zeros(postings.size, dtype=np.bool_)
    words = list(query.words)
    if not words:
        return mask, np.zeros(postings.size)
    found = postings.phrase_documents(query.fieldname, tuple(words), int(query.slop))
    found = found[postings.live[found]]
    mask[found] = True
    scores = np.zeros(postings.size)
    scores[found] = _word_scores(postings, query.fieldname, words, query.boost, found)
    return mask, scores


def _word_scores(
    postings: Postings,
    fieldname: str,
    words: Sequence[Any],
    boost: float,
    docs: npt.NDArray[np.int64],
) -> Scores:
    """The words' scores summed, in documents that hold every one of them (a phrase's).

    Looked up in each word's sorted posting list at those documents only:
    what `_union` of the words gives there (the same sum, in the same order),
    without a pass over every posting and document of the words.
    """
    summed = np.zeros(len(docs))
    if not len(docs):
        return summed
    for word in words:
        ids, base = postings.scored(fieldname, word)
        at = base[np.searchsorted(ids, docs)]
        summed += at * boost if boost != 1 else at
    return summed


def _contains(sorted_keys: npt.NDArray[np.int64], keys: npt.NDArray[np.int64]) -> Mask:
    """Which of `keys` occur in `sorted_keys`."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=np.bool_)
    where = np.searchsorted(sorted_keys, keys)
    where[where == len(sorted_keys)] = 0
    found: Mask = sorted_keys[where] == keys
    return found
