"""The text query: the `q` syntax of SPEC §6 read into a Whoosh query.

`parse_text_query` reads words, "phrases", OR, NOT / -word, title:word,
prefix*, word~ and parentheses over the searched fields. Whoosh's parser
almost never raises: it quietly turns broken input into something else. So
the text is first split and checked here; anything malformed falls back to a
plain AND of its words, with a notice for the reader.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from whoosh import qparser
from whoosh.fields import Schema
from whoosh.qparser import syntax
from whoosh.query import FuzzyTerm, Phrase, Query
from whoosh.query.qcore import _NullQuery

from indexer.archive.query_syntax import (
    ALNUM,
    FALLBACK_NOTICE,
    MAX_SLOP,
    MAX_TERMS,
    OPERATORS,
    TRUNCATED_NOTICE,
    WILDCARD_NOTICE,
    QuerySyntaxError,
    check_structure,
    field_aliases,
    lex,
    normalise,
    truncate,
)
from indexer.archive.request import clean_text

__all__ = [
    "FALLBACK_NOTICE",
    "MAX_TERMS",
    "NOTHING",
    "TRUNCATED_NOTICE",
    "WILDCARD_NOTICE",
    "parse_text_query",
]


class _Nothing(_NullQuery):  # type: ignore[misc]
    """Matches no document.

    Whoosh drops its own `NullQuery` singleton from compound queries, so
    `And([NullQuery, filter])` would match the whole filter; this instance
    is not that singleton and stays.
    """


NOTHING: Query = _Nothing()


class _LanguageFieldsPlugin(qparser.Plugin):  # type: ignore[misc]
    """`title:word` searches every `title_*` field of the parser."""

    def __init__(self, fieldnames: list[str], boosts: Mapping[str, float]) -> None:
        self.fieldnames = fieldnames
        self.aliases = field_aliases(fieldnames)
        self.boosts = boosts

    def filters(self, parser: qparser.QueryParser) -> list[tuple[Any, int]]:
        # After the fields filter sets explicit field names (100), before the
        # multifield filter expands unfielded words (110).
        return [(self.expand, 105)]

    def expand(self, parser: qparser.QueryParser, group: Any) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.expand(parser, node)
                continue
            if not node.has_fieldname or node.fieldname not in self.aliases:
                continue
            copies = []
            for name in self.aliases[node.fieldname]:
                fielded = copy.copy(node)
                fielded.set_fieldname(name, override=True)
                fielded.set_boost(self.boosts.get(name, 1.0))
                copies.append(fielded)
            group[i] = syntax.OrGroup(copies)
        return group


def _parser(
    schema: Schema,
    fieldnames: list[str],
    boosts: Mapping[str, float],
    *,
    syntax_on: bool,
    extra: Sequence[qparser.Plugin] = (),
) -> qparser.QueryParser:
    plugins: list[qparser.Plugin] = [_LanguageFieldsPlugin(fieldnames, boosts), *extra]
    if syntax_on:
        plugins += [
            qparser.FieldsPlugin(remove_unknown=False),
            qparser.WildcardPlugin(),
            qparser.PhrasePlugin(),
            qparser.GroupPlugin(),
            qparser.OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None),
            # A sign starts a word: the hyphen of "Meinl-Reisinger" is no NOT.
            qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"),
            qparser.FuzzyTermPlugin(),
        ]
    return qparser.MultifieldParser(
        fieldnames, schema, fieldboosts=dict(boosts), group=qparser.AndGroup, plugins=plugins
    )


def _parse(
    text: str,
    schema: Schema,
    fieldnames: list[str],
    boosts: Mapping[str, float],
    *,
    syntax_on: bool,
    plugins: Sequence[qparser.Plugin] = (),
) -> Query:
    q: Query = _parser(schema, fieldnames, boosts, syntax_on=syntax_on, extra=plugins).parse(text)
    return q


def _tame(q: Query) -> Query:
    """Bounds on what costs time: fuzzy terms at most 2 edits away and sharing
    the first letter; phrase slop at most MAX_SLOP."""
    if isinstance(q, Phrase):
        q.slop = min(q.slop, MAX_SLOP)
    elif isinstance(q, FuzzyTerm):
        q.maxdist = min(q.maxdist, 2)
        q.prefixlength = max(q.prefixlength, 1)
    return q


def _has_error(q: Query) -> bool:
    """Whether Whoosh marked a part of the query as unparseable."""
    return bool(getattr(q, "error", None)) or any(_has_error(sub) for sub in q.children())


def parse_text_query(
    text: str,
    schema: Schema,
    fieldnames: list[str],
    boosts: Mapping[str, float] | None = None,
    *,
    plugins: Sequence[qparser.Plugin] = (),
) -> tuple[Query | None, str | None]:
    """The Whoosh query of `q` text over the given fields, and a notice for the reader.

    (None, None) for empty text: no words means every article. Text that
    cannot be read as SPEC §6 syntax is searched as a plain AND of its words,
    with FALLBACK_NOTICE; text without any word then matches nothing.
    `plugins` are further Whoosh parser plugins (`indexer.embedded.search.expand`'s names).
    """
    if not text.strip():
        return None, None
    boosts = boosts or {}
    aliases = field_aliases(fieldnames)
    notices: list[str] = []
    # `?` is a question mark to readers, not a one-letter wildcard.
    cleaned = clean_text(text).replace("?", " ")
    try:
        tokens = normalise(lex(cleaned), set(aliases), notices)
        check_structure(tokens)
        rebuilt = " ".join(token.text for token in truncate(tokens, notices))
        if not rebuilt:
            # Only punctuation: nothing to look for.
            raise QuerySyntaxError("no words")
        q = _parse(rebuilt, schema, fieldnames, boosts, syntax_on=True, plugins=plugins)
        if _has_error(q):
            raise QuerySyntaxError("Whoosh could not parse it")
    except Exception:  # Whoosh raises many kinds on odd input; all mean: plain words.
        return _plain_words(text, schema, fieldnames, boosts, plugins)
    q = q.accept(_tame)
    if q == NOTHING:  # Whoosh's own NullQuery: no word to look for
        q = NOTHING
    return q, " ".join(notices) or None


def _plain_words(
    text: str,
    schema: Schema,
    fieldnames: list[str],
    boosts: Mapping[str, float],
    plugins: Sequence[qparser.Plugin],
) -> tuple[Query, str]:
    words = ALNUM.findall(text)
    # A misplaced operator ("talks AND") was meant as syntax, not as the word to find.
    words = ([w for w in words if w not in OPERATORS] or words)[:MAX_TERMS]
    if not words:
        return NOTHING, FALLBACK_NOTICE
    q = _parse(" ".join(words), schema, fieldnames, boosts, syntax_on=False, plugins=plugins)
    return (NOTHING if q == NOTHING else q), FALLBACK_NOTICE
