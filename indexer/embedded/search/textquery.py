"""The text query: the `q` syntax of SPEC §6 read into a Whoosh query.

`parse_text_query` reads words, "phrases", OR, NOT / -word, title:word,
prefix*, word~ and parentheses over the searched fields. Whoosh's parser
almost never raises: it quietly turns broken input into something else. So
the text is first split and checked here; anything malformed falls back to a
plain AND of its words, with a notice for the reader.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import qparser
from whoosh.fields import Schema
from whoosh.qparser import syntax
from whoosh.query import FuzzyTerm, Phrase, Query
from whoosh.query.qcore import _NullQuery

from indexer.archive.request import clean_text

MAX_TERMS = 30
MAX_SLOP = 10  # "words near"~N

FALLBACK_NOTICE = "Your query could not be read as written; searching for its words instead."
WILDCARD_NOTICE = "A * needs at least two letters before it; searching for those words without it."
TRUNCATED_NOTICE = f"Your query is long; searching for its first {MAX_TERMS} words only."


class _Nothing(_NullQuery):  # type: ignore[misc]
    """Matches no document.

    Whoosh drops its own `NullQuery` singleton from compound queries, so
    `And([NullQuery, filter])` would match the whole filter; this instance
    is not that singleton and stays.
    """


NOTHING: Query = _Nothing()


@dataclass
class _Token:
    kind: str  # "word", "phrase", "open", "close", "AND", "OR", "NOT"
    text: str
    # A prefix (`-`, `title:`, `-title:`) written right before a phrase or group.
    prefix: str = ""
    words: int = 0  # search words in it, for the MAX_TERMS limit


class _SyntaxError(Exception):
    pass


_OPERATORS = ("AND", "OR", "NOT")
_FIELD_PREFIX = re.compile(r"(?P<sign>[-+]?)(?:(?P<field>[^:\s]+):)?(?P<rest>.*)", re.S)
_ALNUM = re.compile(r"[^\W_]+")
# `word~2`, `"a b"~3`: the number of edits or the slop is no word of its own.
_TILDE_NUMBER = re.compile(r"~[0-9]*$")


def _lex(text: str) -> list[_Token]:
    """Words, "phrases" (with an optional ~slop), parentheses and operators."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    prefix = ""  # `-`, `title:` written right before a phrase or group
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise _SyntaxError("unbalanced quote")
            end = close + 1
            slop = re.match(r"~[1-9][0-9]*", text[end:])
            if slop:
                end += slop.end()
            tokens.append(_Token("phrase", text[i:end], prefix=prefix))
            prefix = ""
            i = end
        elif c in "()":
            tokens.append(_Token("open" if c == "(" else "close", c, prefix=prefix))
            prefix = ""
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '"()':
                j += 1
            word = text[i:j]
            if j < n and text[j] in '"(' and _is_bare_prefix(word):
                prefix = word
            else:
                tokens.append(_Token(word if word in _OPERATORS else "word", word))
            i = j
    return tokens


def _is_bare_prefix(word: str) -> bool:
    match = _FIELD_PREFIX.fullmatch(word)
    return bool(match and not match["rest"] and (match["sign"] or match["field"]))


def _check_structure(tokens: list[_Token]) -> None:
    depth = 0
    operand_start = ("word", "phrase", "open", "NOT")
    for i, token in enumerate(tokens):
        prev = tokens[i - 1].kind if i > 0 else None
        following = tokens[i + 1].kind if i + 1 < len(tokens) else None
        if token.kind in ("AND", "OR"):
            if prev not in ("word", "phrase", "close") or following not in operand_start:
                raise _SyntaxError(f"dangling {token.kind}")
        elif token.kind == "NOT":
            if following not in ("word", "phrase", "open"):
                raise _SyntaxError("dangling NOT")
        elif token.kind == "open":
            depth += 1
            if following == "close":
                raise _SyntaxError("empty parentheses")
        elif token.kind == "close":
            depth -= 1
            if depth < 0:
                raise _SyntaxError("unbalanced parenthesis")
    if depth:
        raise _SyntaxError("unbalanced parenthesis")


def _check_prefix(sign_field: str, aliases: set[str]) -> str:
    """A `-`/`+`/`field:` prefix with the field name checked and lowercased."""
    match = _FIELD_PREFIX.fullmatch(sign_field)
    assert match is not None
    field = match["field"]
    if field is None:
        return match["sign"]
    if field.lower() not in aliases:
        raise _SyntaxError(f"no field {field!r}")
    return f"{match['sign']}{field.lower()}:"


def _word_text(token: _Token, aliases: set[str], notices: list[str]) -> str | None:
    """The word as Whoosh should see it, or None to leave it out."""
    match = _FIELD_PREFIX.fullmatch(token.text)
    assert match is not None
    rest = match["rest"]
    prefix = _check_prefix(token.text[: len(token.text) - len(rest)], aliases)
    if ":" in rest:
        raise _SyntaxError("a colon inside a word")
    if match["field"] is not None and not rest:
        raise _SyntaxError("a field without a word")
    if "*" in rest and len(rest.split("*", 1)[0]) < 2:
        # "*ing", "a*": too many terms to expand; the bare word instead.
        rest = rest.replace("*", "")
        if not _ALNUM.search(rest):
            raise _SyntaxError("a wildcard without a word")
        if WILDCARD_NOTICE not in notices:
            notices.append(WILDCARD_NOTICE)
    if not _ALNUM.search(rest):
        # Punctuation between words ("Vienna - Graz") says nothing.
        if match["field"] is not None:
            raise _SyntaxError("a field without a word")
        return None
    return prefix + rest


def _normalise(tokens: list[_Token], aliases: set[str], notices: list[str]) -> list[_Token]:
    """Words as Whoosh should see them; punctuation and empty phrases left out."""
    kept: list[_Token] = []
    for token in tokens:
        if token.kind == "word":
            text = _word_text(token, aliases, notices)
            if text is None:
                continue
            match = _FIELD_PREFIX.fullmatch(text)
            assert match is not None
            counted = _ALNUM.findall(_TILDE_NUMBER.sub("", match["rest"]))
            token = _Token("word", text, words=len(counted))
        elif token.kind in ("phrase", "open"):
            words = len(_ALNUM.findall(_TILDE_NUMBER.sub("", token.text)))
            if token.kind == "phrase" and not words:
                if token.prefix:
                    raise _SyntaxError("a field or sign before an empty phrase")
                continue
            prefix = _check_prefix(token.prefix, aliases) if token.prefix else ""
            token = _Token(token.kind, prefix + token.text, words=words)
        kept.append(token)
    return kept


def _truncate(tokens: list[_Token], notices: list[str]) -> list[_Token]:
    """At most MAX_TERMS words, still well formed."""
    words = 0
    for i, token in enumerate(tokens):
        words += token.words
        if words > MAX_TERMS:
            notices.append(TRUNCATED_NOTICE)
            return _close(tokens[:i])
    return tokens


def _close(parts: list[_Token]) -> list[_Token]:
    """A truncated token list made whole: no trailing operator, groups closed."""
    while parts and parts[-1].kind in ("AND", "OR", "NOT", "open"):
        parts.pop()
    depth = sum(1 if t.kind == "open" else -1 if t.kind == "close" else 0 for t in parts)
    return parts + [_Token("close", ")")] * depth


class _LanguageFieldsPlugin(qparser.Plugin):  # type: ignore[misc]
    """`title:word` searches every `title_*` field of the parser."""

    def __init__(self, fieldnames: list[str], boosts: Mapping[str, float]) -> None:
        self.fieldnames = fieldnames
        self.aliases = _aliases(fieldnames)
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


def _aliases(fieldnames: list[str]) -> dict[str, list[str]]:
    """`title_en`, `title_de` -> {"title": ["title_en", "title_de"]}."""
    aliases: dict[str, list[str]] = {}
    for name in fieldnames:
        aliases.setdefault(name.rsplit("_", 1)[0], []).append(name)
    return aliases


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
    aliases = _aliases(fieldnames)
    notices: list[str] = []
    # `?` is a question mark to readers, not a one-letter wildcard.
    cleaned = clean_text(text).replace("?", " ")
    try:
        tokens = _normalise(_lex(cleaned), set(aliases), notices)
        _check_structure(tokens)
        rebuilt = " ".join(token.text for token in _truncate(tokens, notices))
        if not rebuilt:
            # Only punctuation: nothing to look for.
            raise _SyntaxError("no words")
        q = _parse(rebuilt, schema, fieldnames, boosts, syntax_on=True, plugins=plugins)
        if _has_error(q):
            raise _SyntaxError("Whoosh could not parse it")
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
    words = _ALNUM.findall(text)
    # A misplaced operator ("talks AND") was meant as syntax, not as the word to find.
    words = ([w for w in words if w not in _OPERATORS] or words)[:MAX_TERMS]
    if not words:
        return NOTHING, FALLBACK_NOTICE
    q = _parse(" ".join(words), schema, fieldnames, boosts, syntax_on=False, plugins=plugins)
    return (NOTHING if q == NOTHING else q), FALLBACK_NOTICE
