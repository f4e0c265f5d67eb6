"""Candidate spans: the capitalised words the gazetteer and the rules left unclaimed, and
what a learned model reads of each (its features).

A gazetteer cannot list every company, band or village an archive names, and
the rules only find names with a cue they know. What is left over is still
visible: a run of capitalised words no step claimed (``Yukos``, ``Liberal
Democrats``, ``Franz Ferdinand``, ``Saalachbrücke``). Every such run, and each
of its sub-runs up to `MAX_SPAN` words, is a candidate; so is the capitalised
first part of a hyphenated compound (``Heise-Bericht``), since German writes a
name's mention that way. In German every noun is capitalised, so most
candidates there are common nouns: telling them apart is the model's job
(`indexer.entities.span_model`), from the features here.

A candidate's features are strings (a sparse binary vector, one weight per
string in the model), each also prefixed by the text's language so that the
model can learn what holds in one language only:

- the words (lower-cased), the first and last, the whole span, the last
  word's suffixes, the words' shapes (``Xx``, ``X`` for ALL CAPS, ``Xd``);
- the context: the two words before and after, the punctuation next to the
  span (a possessive, a bracket, a quote), whether it starts a sentence or
  continues a longer run of capitals;
- what the extractor already knows: the gazetteer's types of the span and
  of its words, a known first name or surname, the type of a mention right
  before or after it;
- the text's own statistics: how often the span recurs in the text and
  whether one of its words is also written in lower case there (then it is
  probably a word, not a name);
- the archives' statistics of its words (`indexer.entities.lexicon`): how
  often each is written in lower case, follows an article, is seen at all.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from indexer.entities.lexicon import word_use
from indexer.entities.memo import Memo
from indexer.entities.names import MONTHS_AND_DAYS, STOPWORDS

if TYPE_CHECKING:
    from indexer.entities.aliases import AliasIndex
    from indexer.entities.extract import Mention, _Pass

MAX_SPAN = 4
_MAX_RUN = 8
# Lower-case words that join the capitalised words of one name ("House of Commons").
_JOINERS = frozenset({"of", "for", "de", "du", "la", "van", "von", "der", "and", "&"})


@dataclass(frozen=True, slots=True)
class Span:
    """One candidate: tokens `first` to `end` (exclusive) and its characters in the text."""

    first: int
    end: int
    start: int  # character span
    stop: int
    text: str
    compound: bool = False  # the first part of a hyphenated word
    # A mention a rule or a cue found, read again for the model to keep or drop:
    # its source and type; empty for a candidate no step claimed.
    source: str = ""
    claimed: str = ""


def _shape(word: str) -> str:
    """A word's letters as classes, repeats merged: "McDonald" Xx, "ÖVP" X, "ITV1" Xd."""
    out: list[str] = []
    for char in word:
        kind = "X" if char.isupper() else "x" if char.islower() else "d" if char.isdigit() else char
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


_shapes = Memo(_shape)


def _capital(word: str) -> bool:
    """A word that may be (part of) a name: a capital, no function word, no month."""
    return word[0].isupper() and word.lower() not in STOPWORDS and word not in MONTHS_AND_DAYS


_capitals = Memo(_capital)


def candidates(r: _Pass) -> list[Span]:
    """The candidate spans of the lines the rules read (see the module docstring)."""
    words, starts, ends, text = r.words, r.starts, r.ends, r.text
    covered, sentence_starts = r.covered, r.tokens.sentence_starts
    found: list[Span] = []
    run: list[int] = []  # the tokens of the current run (joiners included)

    def close() -> None:
        while run and words[run[-1]] in _JOINERS:
            run.pop()
        for a in range(len(run)):
            if words[run[a]] in _JOINERS:
                continue
            for b in range(a, min(a + MAX_SPAN, len(run))):
                if words[run[b]] in _JOINERS:
                    continue
                first, last = run[a], run[b]
                start, stop = starts[first], ends[last]
                found.append(Span(first, last + 1, start, stop, " ".join(text[start:stop].split())))
        run.clear()

    for i in r.tokens.ruled:
        word = words[i]
        free = i not in covered
        if free and "-" in word and word[0].isupper():
            head = word.split("-", 1)[0]
            if len(head) > 1 and _capitals[head]:
                found.append(Span(i, i + 1, starts[i], starts[i] + len(head), head, True))
        joins = bool(run) and not sentence_starts[i] and r._adjacent(run[-1], i)
        if free and _capitals[word] and len(run) < _MAX_RUN:
            if run and not joins:
                close()
            run.append(i)
        elif free and joins and word in _JOINERS and words[run[-1]] not in _JOINERS:
            run.append(i)
        elif run:
            close()
    if run:
        close()
    return found


def mention_spans(r: _Pass, sources: frozenset[str] | None = None) -> list[tuple[Span, Mention]]:
    """The spans of the mentions found so far in the lines the rules read (of these
    `sources` only, or all): silver examples, a name's context being what the model
    learns from them (`scripts/train_entities.py`), or the rules' mentions to check."""
    starts, ends, ruled = r.starts, r.ends, set(r.tokens.ruled)
    found = []
    for mention in r.mentions:
        if mention.start < 0 or (sources is not None and mention.source not in sources):
            continue
        first = bisect.bisect_left(starts, mention.start)
        end = bisect.bisect_left(starts, mention.end)
        if first >= end or first not in ruled or ends[end - 1] != mention.end:
            continue
        if starts[first] != mention.start:
            continue
        text = " ".join(r.text[mention.start : mention.end].split())
        found.append((Span(first, end, mention.start, mention.end, text), mention))
    return found


# What a silver example is read without: the name itself and what the gazetteer says of
# it, which would teach the model the names the gazetteer knows already, not their cues.
_NAMED = ("w=", "span=", "first=", "last=", "gz_", "full_name", "first_name", "surname")


def context_only(row: list[str]) -> list[str]:
    """A row of features without those naming the span (see `_NAMED`)."""
    return [f for f in row if not (f[3:] if f[2:3] == ":" else f).startswith(_NAMED)]


def _free_capital(r: _Pass, i: int) -> bool:
    return i not in r.covered and r.words[i][0].isupper()


def own_features(index: AliasIndex, key: str) -> tuple[str, ...]:
    """What a candidate's words alone say, whatever its context: its words, shapes and
    suffixes, the gazetteer's and the lexicon's word on them; with their language's
    copies. `key` is "<language>|<c if a compound's part>|<text>"; the extractor keeps
    these per key (`indexer.entities.memo`), since an archive repeats its words."""
    language, compound, text = key.split("|", 2)
    inside = text.split() if not compound else [text]
    lowered = [w.lower() for w in inside]
    last = lowered[-1]
    f = [
        f"n={min(len(inside), 4)}",
        f"first={lowered[0]}",
        f"last={last}",
        f"span={' '.join(lowered)}",
        f"suf3={last[-3:]}",
        f"suf4={last[-4:]}",
        f"pre3={lowered[0][:3]}",
        "shape=" + " ".join(_shapes[w] for w in inside),
    ]
    f += [f"w={w}" for w in lowered]
    # What the gazetteer knows of the span and its words.
    for entry in index.by_alias.get(text, ())[:2]:
        f.append(f"gz_span={entry.type}")
    for word in inside:
        for entry in index.by_alias.get(word, ())[:1]:
            f.append(f"gz_word={entry.type}")
        if word.isupper() and len(word) > 1:
            f.append("acronym")
    if inside[0] in index.first_names:
        f.append("first_name")
    if inside[-1] in index.surnames:
        f.append("surname")
    # The archives' statistics of the words (`indexer.entities.lexicon`).
    uses = word_use()
    for word in inside:
        use = uses.get(f"{language}:{word}")
        if use is None:
            f.append("lex=unseen")
        else:
            f += [f"lex_{use[0:2]}", f"lex_{use[2:4]}", f"lex_{use[4:6]}"]
    f.append(f"lexlast={uses.get(f'{language}:{inside[-1]}', 'unseen')}")
    return tuple(f + [f"{language}:{feature}" for feature in f])


def features(r: _Pass, span: Span) -> list[str]:
    """What the model reads of one candidate (see the module docstring)."""
    return [*r.word_rules.span_words[own_key(r, span)], *context_features(r, span)]


def own_key(r: _Pass, span: Span) -> str:
    """The key of a candidate's `own_features`."""
    return f"{'de' if r.german else 'en'}|{'c' if span.compound else ''}|{span.text}"


def context_features(r: _Pass, span: Span) -> list[str]:
    """What the model reads of a candidate's place in this text (with its language's copies)."""
    words, text = r.words, r.text
    first, end = span.first, span.end
    language = "de" if r.german else "en"
    f = [f"src={span.source or 'free'}"]
    if span.claimed:
        f.append(f"claimed={span.claimed}")
    if span.compound:
        rest = words[first][len(span.text) + 1 :]
        f += ["compound", f"tail={rest.lower()}", f"tailshape={_shapes[rest[:1] or 'x']}"]
    line = r.lines[first]
    # The context: two words either side on the same line.
    for k, name in ((first - 1, "p1"), (first - 2, "p2"), (end, "n1"), (end + 1, "n2")):
        if 0 <= k < len(words) and r.lines[k] == line:
            word = words[k]
            f.append(f"{name}={word.lower()}")
            if name in ("p1", "n1"):
                f.append(f"{name}shape={_shapes[word]}")
                mention = r.covered.get(k)
                if mention is not None:
                    f.append(f"{name}type={mention.type}")
        elif name in ("p1", "n1"):
            f.append(f"{name}=<line>")
    before = text[max(span.start - 3, 0) : span.start].strip()
    after = text[span.stop : span.stop + 3].strip()
    f += [f"gapl={before[-1:]}", f"gapr={after[:2]}"]
    if r.tokens.sentence_starts[first]:
        f.append("sentence_start")
    # A longer run of capitals goes on either side (the span is part of it).
    if first > 0 and _free_capital(r, first - 1) and r._adjacent(first - 1, first):
        f.append("run_left")
    if end < len(words) and _free_capital(r, end) and r._adjacent(end - 1, end):
        f.append("run_right")
    if span.text in r.full_names:
        f.append("full_name_known")
    # The text's own statistics.
    recurs = text.count(span.text)
    f.append(f"count={min(recurs, 3)}")
    inside = span.text.split() if not span.compound else [span.text]
    if any(w.lower() in r.vocabulary for w in inside if not w.islower()):
        f.append("lower_in_text")
    return [*f, *(f"{language}:{feature}" for feature in f)]
