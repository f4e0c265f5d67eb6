"""The tree of a query: `q` read into words, patterns, phrases and AND / OR / NOT.

The embedded backend hands `q`'s checked tokens to Whoosh's own parser; a
backend whose engine has a query language of its own (a search cluster's
bool queries) translates this tree instead, so that both read the syntax of
SPEC §6 alike. The tokens are those of `indexer.archive.query_syntax`
(checked, normalised, at most MAX_TERMS words).

Precedence, as Whoosh's parser applies it to these tokens: NOT (and a
leading `-`) binds tightest, then OR, then AND, written or implied by a space
(`a b OR c` is `a AND (b OR c)`). A field prefix before a group applies to
every word inside it that names no field of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.archive.query_syntax import (
    ALNUM,
    FALLBACK_NOTICE,
    MAX_SLOP,
    MAX_TERMS,
    OPERATORS,
    QuerySyntaxError,
    Token,
    check_structure,
    lex,
    normalise,
    truncate,
)
from indexer.archive.request import clean_text

# The fields `field:` may name: each stands for its language variants.
QUERY_FIELDS = ("title", "lead", "body")
# Whoosh's fuzzy terms are capped at two edits (`textquery._tame`).
MAX_EDITS = 2

_SIGNED = re.compile(r"(?P<sign>[-+]?)(?:(?P<field>[a-z]+):)?(?P<rest>.*)", re.S)
_FUZZY = re.compile(r"~(?P<edits>[0-9]*)$")
_SLOP = re.compile(r'"~(?P<slop>[0-9]+)$')


@dataclass(frozen=True)
class Word:
    """A word as written; the analyser may split it ("Meinl-Reisinger": both parts)."""

    text: str
    field: str | None = None
    edits: int = 0  # `word~`: letters that may differ (fuzzy), at most MAX_EDITS


@dataclass(frozen=True)
class Pattern:
    """A word with `*` (any letters): `osc*` is a prefix, `wor*d` a wildcard."""

    text: str
    field: str | None = None

    @property
    def is_prefix(self) -> bool:
        return self.text.endswith("*") and self.text.count("*") == 1


@dataclass(frozen=True)
class Phrase:
    """Words adjacent and in order; `slop` more positions apart allowed ("a b"~3)."""

    text: str
    field: str | None = None
    slop: int = 0


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


@dataclass(frozen=True)
class Nothing:
    """A query without any word to look for: matches no article."""


Node = Word | Pattern | Phrase | All | AnyOf | Not | Nothing


def parse_query(text: str) -> tuple[Node | None, str | None]:
    """The tree of `q` and a notice for the reader; (None, None) for no text (every article).

    As `parse_text_query` does: malformed text is a plain AND of its words
    with FALLBACK_NOTICE, text without a word matches nothing.
    """
    if not text.strip():
        return None, None
    notices: list[str] = []
    cleaned = clean_text(text).replace("?", " ")
    try:
        tokens = normalise(lex(cleaned), set(QUERY_FIELDS), notices)
        check_structure(tokens)
        tokens = truncate(tokens, notices)
        if not tokens:
            raise QuerySyntaxError("no words")
        node, end = _and(tokens, 0, None)
        if end != len(tokens):
            raise QuerySyntaxError("unbalanced parenthesis")
    except QuerySyntaxError:
        return plain_words(text), FALLBACK_NOTICE
    return node, " ".join(notices) or None


def plain_words(text: str) -> Node:
    """Every word of the text ANDed (the fallback for text that is not the syntax)."""
    words = ALNUM.findall(text)
    # A misplaced operator ("talks AND") was meant as syntax, not as the word to find.
    words = ([w for w in words if w not in OPERATORS] or words)[:MAX_TERMS]
    if not words:
        return Nothing()
    return _join(All, [Word(w) for w in words])


def _join(kind: type[All] | type[AnyOf], parts: list[Node]) -> Node:
    return parts[0] if len(parts) == 1 else kind(tuple(parts))


def _and(tokens: list[Token], i: int, field: str | None) -> tuple[Node, int]:
    parts: list[Node] = []
    while i < len(tokens) and tokens[i].kind != "close":
        if tokens[i].kind == "AND":
            i += 1
        node, i = _or(tokens, i, field)
        parts.append(node)
    if not parts:
        raise QuerySyntaxError("empty group")
    return _join(All, parts), i


def _or(tokens: list[Token], i: int, field: str | None) -> tuple[Node, int]:
    node, i = _unary(tokens, i, field)
    parts = [node]
    while i < len(tokens) and tokens[i].kind == "OR":
        node, i = _unary(tokens, i + 1, field)
        parts.append(node)
    return _join(AnyOf, parts), i


def _unary(tokens: list[Token], i: int, field: str | None) -> tuple[Node, int]:
    if i >= len(tokens):
        raise QuerySyntaxError("missing operand")
    token = tokens[i]
    if token.kind == "NOT":
        node, i = _unary(tokens, i + 1, field)
        return Not(node), i
    match = _SIGNED.fullmatch(token.text)
    if match is None:
        raise QuerySyntaxError(f"cannot read {token.text!r}")
    own = match["field"] or field
    rest = match["rest"]
    if token.kind == "open":
        node, i = _and(tokens, i + 1, own)
        if i >= len(tokens) or tokens[i].kind != "close":
            raise QuerySyntaxError("unbalanced parenthesis")
        i += 1
    elif token.kind == "phrase":
        node, i = _phrase(rest, own), i + 1
    elif token.kind == "word":
        node, i = _word(rest, own), i + 1
    else:
        raise QuerySyntaxError(f"unexpected {token.kind}")
    return (Not(node) if match["sign"] == "-" else node), i


def _phrase(text: str, field: str | None) -> Node:
    slop = 0
    if found := _SLOP.search(text):
        slop = min(int(found["slop"]), MAX_SLOP)
        text = text[: found.start() + 1]
    return Phrase(text.strip('"'), field, slop)


def _word(text: str, field: str | None) -> Node:
    if "*" in text:
        return Pattern(text, field)
    if found := _FUZZY.search(text):
        edits = min(int(found["edits"] or 1), MAX_EDITS)
        return Word(text[: found.start()], field, edits)
    return Word(text, field)
