"""Highlighting: a hit's title and one or two snippets with the query's words marked.

Two steps. `query_terms` turns a parsed query into the indexed (analysed)
terms it looks for, per language group: `elections` becomes `elect` for
English, `election` for German, `elections` for the rest. `highlight` then
finds the words of an article whose analysed form is one of its group's terms,
so highlighting is stem- and accent-aware by construction: `elections` marks
`election` and `Elections`, `Osterreich` marks `Österreich`.

The matching is the analyzer's own, but run once per distinct word rather
than over each text: every filter of the chains in `indexer.embedded.index.schema` works on
one token at a time, so the term of a word does not depend on its
neighbours. The text is split at whitespace (no token spans it), the words of
each distinct chunk and their terms are looked up in a cache filled by the
analyzer, and the words that match are found in the text with `str.find`.
That keeps a 5,000-word body around a millisecond or two (against ~20 ms for
the analyzer over the text), and a match anywhere in a long body counts
(Whoosh's fragmenters stop at 32K characters).

Stop words are indexed and searched like any word, but marking every "of"
and "the" of an article would hide what the reader looked for. So a stop
word is marked only in a run of adjacent marked words that holds another
word of the query (`"dlrs of debt"`, `controlled our`), unless the query has
nothing but stop words (`had`, `The Who`): then those are what matched, and
each is marked.

Output is HTML: every character of the article is escaped (`html.escape`,
quotes too) and the only markup is our `<mark>`. Each matched word gets its
own `<mark>`: adjacent matches are not merged, so a title reads
`<mark>Security</mark> <mark>Review</mark>`.

Snippets: windows of about `size` characters around the matches in lead and
body, scored by the number of distinct terms, then the number of matches;
the best that do not overlap are shown in text order (lead before body),
cut at word boundaries (at a sentence start when one is near), joined with
" … ", with "…" where the text goes on. The windows are scored independently:
two snippets may show the same terms.
With no terms, or no match in lead or body, the snippet is the lead, or
the start of the body when there is no lead.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from whoosh.query import AndNot, MultiTerm, Not, Query

from indexer.embedded.index.analysis import WORD_PATTERN, NewsAnalyzer
from indexer.embedded.index.schema import (
    FALLBACK,
    PROSE_FIELDS,
    TEXT_LANGUAGES,
    analyzer_for,
    language_group,
)

ELLIPSIS = "…"
SEPARATOR = f" {ELLIPSIS} "

# The analyzer's word pattern (indexer.embedded.index.analysis): the words it marks are the
# words the index holds.
_TOKEN = re.compile(WORD_PATTERN)
_SPACE = re.compile(r"\s")
_NON_SPACE = re.compile(r"\S")
_SPACES = re.compile(r"\s+")
_SENTENCE_START = re.compile(r"[.!?][\"'’”)]*\s+(?=\S)|\n\s*\n\s*(?=\S)")
# How far a cut may move to reach a space before it cuts mid-word instead.
_SNAP = 40
# Distinct chunks of text remembered per language group (see _Vocabulary).
_CACHE_LIMIT = 200_000
# A text seen before is searched for the chunks of the query's terms instead
# of being split again when they are at most this many (see _matches): beyond
# it, the finds cost more than the split (a common word has dozens of chunks:
# `oil`, `oil,`, `Oil`, `(oil` ...).
_FIND_CHUNKS = 16
# Texts remembered as seen per language group (a hash each).
_LEARNED_LIMIT = 50_000
_GROUPS = (*TEXT_LANGUAGES, FALLBACK)

Match = tuple[int, int, str]  # start, end, term


@dataclass(frozen=True)
class Highlighted:
    """A hit's title and snippet as HTML, safe to insert into a page."""

    title_html: str
    snippet_html: str
    matched: bool


def query_terms(
    query: Query | None, expand: Callable[[MultiTerm], Iterable[str]] | None = None
) -> dict[str, frozenset[str]]:
    """The analysed terms the query looks for, per language group (`en`, `de`, `xx`).

    Only terms in the prose fields (`title_*`, `lead_*`, `body_*`) count, and
    none under a NOT. Prefix, wildcard and fuzzy queries stand for the indexed
    terms `expand` gives for them (the search core's, which the search used);
    without it, a fuzzy term stands for itself and a prefix or wildcard for
    nothing. Groups without terms are left out, so no terms at all is `{}`.
    """
    found: dict[str, set[str]] = {}
    if query is None:
        return {}
    for leaf in _positive_leaves(query):
        pairs: Iterable[tuple[str, object]]
        if expand is not None and isinstance(leaf, MultiTerm):
            pairs = [(leaf.fieldname, word) for word in expand(leaf)]
        elif leaf.has_terms():
            pairs = leaf.terms(phrases=True)
        else:
            continue
        for fieldname, text in pairs:
            group = _group_of(fieldname)
            if group is None:
                continue
            word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            found.setdefault(group, set()).add(word)
    return {group: frozenset(words) for group, words in found.items() if words}


def highlight(
    title: str,
    lead: str,
    body: str,
    language: str,
    terms: Mapping[str, frozenset[str]],
    *,
    snippets: int = 2,
    size: int = 200,
) -> Highlighted:
    """The title and up to `snippets` snippets of about `size` characters, words marked."""
    group = language_group(language)
    wanted = terms.get(group, frozenset())
    analyzer = _analyzer(group)
    stops = frozenset(term for term in wanted if analyzer.is_stop(term))
    if stops == wanted:
        stops = frozenset()  # nothing but stop words: mark them all
    title_matches = _matches(title, group, wanted, stops)
    sources = (lead, body)
    found = [_matches(text, group, wanted, stops) for text in sources]
    title_html = _render(title, title_matches, 0, len(title), collapse=False)
    if any(found):
        snippet_html = _snippets(sources, found, max(1, snippets), max(1, size))
    else:
        snippet_html = _opening(lead if lead.strip() else body, size)
    return Highlighted(title_html, snippet_html, bool(title_matches) or any(found))


# Terms


def _positive_leaves(query: Query) -> Iterator[Query]:
    """The leaf queries of the tree that are not negated."""
    if isinstance(query, Not):
        return
    if isinstance(query, AndNot):
        yield from _positive_leaves(query.a)
        return
    if query.is_leaf():
        yield query
        return
    for child in query.children():
        yield from _positive_leaves(child)


def _group_of(fieldname: str) -> str | None:
    name, _, group = fieldname.rpartition("_")
    return group if name in PROSE_FIELDS and group in _GROUPS else None


# Matching


@functools.cache
def _analyzer(group: str) -> NewsAnalyzer:
    return analyzer_for(group)


class _Vocabulary:
    """The chunks of text seen so far in one language group, and their terms.

    A chunk is a whitespace-separated piece of text (`said,`, `(Reuters)`,
    `U.S.-led`). No token spans whitespace, so the words of a text are the
    words of its chunks: `str.split` and set operations over the distinct
    chunks replace a regex and an analyzer pass over the whole text.
    """

    def __init__(self) -> None:
        # chunk -> its words and their terms
        self.chunks: dict[str, tuple[tuple[str, str], ...]] = {}
        # term -> the chunks with a word of that term
        self.by_term: dict[str, set[str]] = {}
        # hash() of texts whose every chunk is in `chunks` (see _matches)
        self.learned: set[int] = set()

    def learn(self, chunks: set[str], analyzer: NewsAnalyzer) -> None:
        """Analyse the words of new chunks, in one pass of the analyzer."""
        words = {chunk: _TOKEN.findall(chunk) for chunk in chunks}
        terms: dict[str, str] = {}
        new: list[str] = []
        for word in {w for ws in words.values() for w in ws}:
            pairs = self.chunks.get(word)
            if pairs:
                terms[word] = pairs[0][1]
            else:
                new.append(word)
                terms[word] = ""
        # The new words joined by spaces tokenize back into exactly these
        # words; a token's startchar says which word it came from.
        starts: dict[int, str] = {}
        offset = 0
        for word in new:
            starts[offset] = word
            offset += len(word) + 1
        for token in analyzer(" ".join(new), chars=True):
            terms[starts[token.startchar]] = token.text
        for chunk, chunk_words in words.items():
            self.chunks[chunk] = tuple((w, terms[w]) for w in chunk_words)
            for w in chunk_words:
                if terms[w]:
                    self.by_term.setdefault(terms[w], set()).add(chunk)


# Replaced by a new one, not cleared, when full, so that a call in another
# thread keeps the one it started with.
_VOCABULARIES = {group: _Vocabulary() for group in _GROUPS}


def _matches(text: str, group: str, terms: frozenset[str], stops: frozenset[str]) -> list[Match]:
    """Where the words whose term is wanted occur in the text, in order; those
    of `stops` only beside another word of the query."""
    if not text or not terms:
        return []
    vocabulary = _VOCABULARIES[group]
    if len(vocabulary.chunks) > _CACHE_LIMIT:
        vocabulary = _VOCABULARIES[group] = _Vocabulary()
    wanted: set[str] = set()
    for term in terms:
        wanted |= vocabulary.by_term.get(term, set())
    key = hash(text)
    if len(wanted) <= _FIND_CHUNKS and key in vocabulary.learned:
        # A text seen before has no unknown chunk: its chunks with a wanted
        # term are the chunks of `wanted` that stand in it between spaces, and
        # finding a few costs less than splitting it again (a rare word's
        # page at 100k: 40 -> 13 us a body).
        spaced = f" {text} "
        present = {c for c in wanted if f" {c} " in spaced or _has_chunk(text, c)}
    else:
        chunks = set(text.split())
        # Not `chunks - vocabulary.chunks.keys()`: that copies the whole
        # vocabulary into a set. set.difference of a dict looks each chunk up
        # in it, with the hash the set already holds: no copy, no bytecode.
        missing = chunks.difference(vocabulary.chunks)
        if missing:
            vocabulary.learn(missing, _analyzer(group))
            for term in terms:
                wanted |= vocabulary.by_term.get(term, set())
        if len(vocabulary.learned) >= _LEARNED_LIMIT:
            vocabulary.learned = set()
        vocabulary.learned.add(key)
        present = chunks & wanted
    surface: dict[str, str] = {}
    for chunk in present:
        for word, term in vocabulary.chunks[chunk]:
            if term in terms:
                surface[word] = term
    if not surface:
        return []
    # str.find per word is faster than a regex alternation, and the few hits
    # are checked for word boundaries; whole words of the text never overlap.
    found: list[Match] = []
    for word, term in surface.items():
        size = len(word)
        start = text.find(word)
        while start >= 0:
            if _whole_word(text, start, start + size):
                found.append((start, start + size, term))
            start = text.find(word, start + size)
    found.sort()
    return _in_phrases(text, found, stops) if stops else found


def _has_chunk(text: str, chunk: str) -> bool:
    """Whether the chunk stands in the text between whitespace (is one of `text.split()`)."""
    size = len(chunk)
    start = text.find(chunk)
    while start >= 0:
        end = start + size
        if (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace()):
            return True
        start = text.find(chunk, start + 1)
    return False


def _in_phrases(text: str, found: list[Match], stops: frozenset[str]) -> list[Match]:
    """The matches without the stop words that no other word of the query stands next to.

    Matches with nothing but non-word characters between them form a run; a
    run of stop words alone is left out.
    """
    kept: list[Match] = []
    run: list[Match] = []

    def end_run() -> None:
        if any(term not in stops for _, _, term in run):
            kept.extend(run)

    for match in found:
        if run and _TOKEN.search(text, run[-1][1], match[0]):
            end_run()
            run = []
        run.append(match)
    end_run()
    return kept


def _whole_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole token: not `elect` in `electoral`, `U.S` in `U.S.A`."""
    if start > 0:
        before = text[start - 1]
        if _is_word(before) or (before == "." and start > 1 and _is_word(text[start - 2])):
            return False
    if end < len(text):
        after = text[end]
        if _is_word(after) or (after == "." and end + 1 < len(text) and _is_word(text[end + 1])):
            return False
    return True


def _is_word(char: str) -> bool:
    # What the word pattern matches: `\w` in a str pattern, and combining accents.
    return char.isalnum() or char == "_" or unicodedata.combining(char) > 0


# Snippets


def _snippets(sources: tuple[str, ...], found: list[list[Match]], count: int, size: int) -> str:
    """The best `count` non-overlapping windows over the sources, in text order."""
    chosen: list[tuple[int, int, int]] = []  # source, start, end
    for _key, source, first, last in sorted(_windows(found, size)):
        text, matches = sources[source], found[source]
        low, high = matches[first][0], matches[last][1]
        # A window grows around its matches: if they overlap a chosen one, so
        # will it (checked before the cost of growing it).
        if any(s == source and low < e and b < high for s, b, e in chosen):
            continue
        start, end = _expand(text, low, high, size)
        if any(s == source and start < e and b < end for s, b, e in chosen):
            continue
        chosen.append((source, start, end))
        if len(chosen) == count:
            break
    chosen.sort()
    parts = []
    for source, start, end in chosen:
        text, matches = sources[source], found[source]
        starts = [m[0] for m in matches]
        inside = [m for m in matches[bisect.bisect_left(starts, start) :] if m[1] <= end]
        parts.append(_render(text, inside, start, end, collapse=True))
    first_source, first_start, _ = chosen[0]
    last_source, _, last_end = chosen[-1]
    head = ELLIPSIS if _NON_SPACE.search(sources[first_source], 0, first_start) else ""
    tail = ELLIPSIS if _NON_SPACE.search(sources[last_source], last_end) else ""
    return head + SEPARATOR.join(parts) + tail


def _windows(
    found: list[list[Match]], size: int
) -> Iterator[tuple[tuple[int, int], int, int, int]]:
    """For each match, the run of matches from it that fits in `size`, with its rank key.

    The key sorts the most distinct terms first, then the most matches, then
    text order (lead before body).
    """
    for source, matches in enumerate(found):
        last = 0
        # A plain dict: Counter's item updates cost twice as much.
        counts: dict[str, int] = {}
        for first, (start, _end, _term) in enumerate(matches):
            while last < len(matches) and (last == first or matches[last][1] - start <= size):
                term = matches[last][2]
                counts[term] = counts.get(term, 0) + 1
                last += 1
            yield (-len(counts), first - last), source, first, last - 1
            term = matches[first][2]
            counts[term] -= 1
            if not counts[term]:
                del counts[term]


def _expand(text: str, start: int, end: int, size: int) -> tuple[int, int]:
    """About `size` characters around [start, end), cut at spaces, never inside it."""
    extra = max(0, size - (end - start))
    before = min(start, extra // 2)
    after = min(len(text) - end, extra - before)
    before = min(start, extra - after)
    lo = _cut_before(text, start - before, start)
    # Rather start with a sentence, if one starts soon; the end moves on as much.
    shift = 0
    if not _starts_sentence(text, lo):
        sentence = _SENTENCE_START.search(text, lo, min(start, lo + _SNAP))
        shift = sentence.end() - lo if sentence else 0
    hi = _cut_after(text, end + after + shift, end)
    return lo + shift, hi


def _starts_sentence(text: str, pos: int) -> bool:
    before = text[max(0, pos - 8) : pos]
    if before[-2:].isspace() and "\n" in before:
        return True  # a new paragraph
    before = before.rstrip().rstrip("\"'’”)")
    return not before or before[-1] in ".!?"


def _cut_before(text: str, pos: int, limit: int) -> int:
    """A start at or near `pos` (at most `limit`) that is not mid-word."""
    if pos <= 0:
        return 0
    if not text[pos - 1].isspace():
        space = _SPACE.search(text, pos, min(limit, pos + _SNAP))
        if space:
            pos = space.end()
        else:
            back = max(text.rfind(c, max(0, pos - _SNAP), pos) for c in " \n\t")
            if back >= 0:
                pos = back + 1
    while pos < limit and text[pos].isspace():
        pos += 1
    return pos


def _cut_after(text: str, pos: int, limit: int) -> int:
    """An end at or near `pos` (at least `limit`) that is not mid-word."""
    if pos >= len(text):
        return len(text)
    if not text[pos].isspace():
        back = max(text.rfind(c, max(limit, pos - _SNAP), pos) for c in " \n\t")
        if back >= 0:
            pos = back
        else:
            space = _SPACE.search(text, pos, pos + _SNAP)
            if space:
                pos = space.start()
    while pos > limit and text[pos - 1].isspace():
        pos -= 1
    return pos


def _opening(text: str, size: int) -> str:
    """The start of the text, about `size` characters, escaped and unmarked."""
    first = _NON_SPACE.search(text)
    if first is None:
        return ""
    lo = first.start()
    hi = _cut_after(text, lo + size, lo)
    more = ELLIPSIS if _NON_SPACE.search(text, hi) else ""
    return _render(text, [], lo, hi, collapse=True) + more


def _render(text: str, matches: list[Match], start: int, end: int, *, collapse: bool) -> str:
    """text[start:end] escaped, the matches in it marked; runs of spaces as one if `collapse`."""

    def escape(part: str) -> str:
        escaped = html.escape(part, quote=True)
        return _SPACES.sub(" ", escaped) if collapse else escaped

    out = []
    pos = start
    for m_start, m_end, _term in matches:
        out.append(escape(text[pos:m_start]))
        out.append(f"<mark>{html.escape(text[m_start:m_end], quote=True)}</mark>")
        pos = m_end
    out.append(escape(text[pos:end]))
    return "".join(out)
