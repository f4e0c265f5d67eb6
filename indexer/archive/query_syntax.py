"""The query syntax of `q` (SPEC §6), read without any index: tokens, checks, a tree.

Words, "phrases" (with ~slop), OR, AND, NOT / -word, field:word (title,
lead, body), prefix* and wildcards, word~ (fuzzy) and parentheses. Every
backend reads `q` the same way: the embedded one hands the checked tokens to
Whoosh's parser (`indexer.embedded.search.textquery`); a cluster backend
translates the tree of `parse_query` (`indexer.archive.query_tree`) into its
own query language. Malformed text is searched as a plain AND of its words,
with a notice for the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TERMS = 30
MAX_SLOP = 10  # "words near"~N

FALLBACK_NOTICE = "Your query could not be read as written; searching for its words instead."
WILDCARD_NOTICE = "A * needs at least two letters before it; searching for those words without it."
TRUNCATED_NOTICE = f"Your query is long; searching for its first {MAX_TERMS} words only."


@dataclass
class Token:
    kind: str  # "word", "phrase", "open", "close", "AND", "OR", "NOT"
    text: str
    # A prefix (`-`, `title:`, `-title:`) written right before a phrase or group.
    prefix: str = ""
    words: int = 0  # search words in it, for the MAX_TERMS limit


class QuerySyntaxError(Exception):
    """Text that is not the query syntax as written; searched as plain words instead."""


OPERATORS = ("AND", "OR", "NOT")
_FIELD_PREFIX = re.compile(r"(?P<sign>[-+]?)(?:(?P<field>[^:\s]+):)?(?P<rest>.*)", re.S)
ALNUM = re.compile(r"[^\W_]+")
# `word~2`, `"a b"~3`: the number of edits or the slop is no word of its own.
_TILDE_NUMBER = re.compile(r"~[0-9]*$")


def lex(text: str) -> list[Token]:
    """Words, "phrases" (with an optional ~slop), parentheses and operators."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    prefix = ""  # `-`, `title:` written right before a phrase or group
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QuerySyntaxError("unbalanced quote")
            end = close + 1
            slop = re.match(r"~[1-9][0-9]*", text[end:])
            if slop:
                end += slop.end()
            tokens.append(Token("phrase", text[i:end], prefix=prefix))
            prefix = ""
            i = end
        elif c in "()":
            tokens.append(Token("open" if c == "(" else "close", c, prefix=prefix))
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
                tokens.append(Token(word if word in OPERATORS else "word", word))
            i = j
    return tokens


def _is_bare_prefix(word: str) -> bool:
    match = _FIELD_PREFIX.fullmatch(word)
    return bool(match and not match["rest"] and (match["sign"] or match["field"]))


def check_structure(tokens: list[Token]) -> None:
    depth = 0
    operand_start = ("word", "phrase", "open", "NOT")
    for i, token in enumerate(tokens):
        prev = tokens[i - 1].kind if i > 0 else None
        following = tokens[i + 1].kind if i + 1 < len(tokens) else None
        if token.kind in ("AND", "OR"):
            if prev not in ("word", "phrase", "close") or following not in operand_start:
                raise QuerySyntaxError(f"dangling {token.kind}")
        elif token.kind == "NOT":
            if following not in ("word", "phrase", "open"):
                raise QuerySyntaxError("dangling NOT")
        elif token.kind == "open":
            depth += 1
            if following == "close":
                raise QuerySyntaxError("empty parentheses")
        elif token.kind == "close":
            depth -= 1
            if depth < 0:
                raise QuerySyntaxError("unbalanced parenthesis")
    if depth:
        raise QuerySyntaxError("unbalanced parenthesis")


def _check_prefix(sign_field: str, aliases: set[str]) -> str:
    """A `-`/`+`/`field:` prefix with the field name checked and lowercased."""
    match = _FIELD_PREFIX.fullmatch(sign_field)
    assert match is not None
    field = match["field"]
    if field is None:
        return match["sign"]
    if field.lower() not in aliases:
        raise QuerySyntaxError(f"no field {field!r}")
    return f"{match['sign']}{field.lower()}:"


def _word_text(token: Token, aliases: set[str], notices: list[str]) -> str | None:
    """The word as Whoosh should see it, or None to leave it out."""
    match = _FIELD_PREFIX.fullmatch(token.text)
    assert match is not None
    rest = match["rest"]
    prefix = _check_prefix(token.text[: len(token.text) - len(rest)], aliases)
    if ":" in rest:
        raise QuerySyntaxError("a colon inside a word")
    if match["field"] is not None and not rest:
        raise QuerySyntaxError("a field without a word")
    if "*" in rest and len(rest.split("*", 1)[0]) < 2:
        # "*ing", "a*": too many terms to expand; the bare word instead.
        rest = rest.replace("*", "")
        if not ALNUM.search(rest):
            raise QuerySyntaxError("a wildcard without a word")
        if WILDCARD_NOTICE not in notices:
            notices.append(WILDCARD_NOTICE)
    if not ALNUM.search(rest):
        # Punctuation between words ("Vienna - Graz") says nothing.
        if match["field"] is not None:
            raise QuerySyntaxError("a field without a word")
        return None
    return prefix + rest


def normalise(tokens: list[Token], aliases: set[str], notices: list[str]) -> list[Token]:
    """Words as Whoosh should see them; punctuation and empty phrases left out."""
    kept: list[Token] = []
    for token in tokens:
        if token.kind == "word":
            text = _word_text(token, aliases, notices)
            if text is None:
                continue
            match = _FIELD_PREFIX.fullmatch(text)
            assert match is not None
            counted = ALNUM.findall(_TILDE_NUMBER.sub("", match["rest"]))
            token = Token("word", text, words=len(counted))
        elif token.kind in ("phrase", "open"):
            words = len(ALNUM.findall(_TILDE_NUMBER.sub("", token.text)))
            if token.kind == "phrase" and not words:
                if token.prefix:
                    raise QuerySyntaxError("a field or sign before an empty phrase")
                continue
            prefix = _check_prefix(token.prefix, aliases) if token.prefix else ""
            token = Token(token.kind, prefix + token.text, words=words)
        kept.append(token)
    return kept


def truncate(tokens: list[Token], notices: list[str]) -> list[Token]:
    """At most MAX_TERMS words, still well formed."""
    words = 0
    for i, token in enumerate(tokens):
        words += token.words
        if words > MAX_TERMS:
            notices.append(TRUNCATED_NOTICE)
            return _close(tokens[:i])
    return tokens


def _close(parts: list[Token]) -> list[Token]:
    """A truncated token list made whole: no trailing operator, groups closed."""
    while parts and parts[-1].kind in ("AND", "OR", "NOT", "open"):
        parts.pop()
    depth = sum(1 if t.kind == "open" else -1 if t.kind == "close" else 0 for t in parts)
    return parts + [Token("close", ")")] * depth


def field_aliases(fieldnames: list[str]) -> dict[str, list[str]]:
    """`title_en`, `title_de` -> {"title": ["title_en", "title_de"]}."""
    aliases: dict[str, list[str]] = {}
    for name in fieldnames:
        aliases.setdefault(name.rsplit("_", 1)[0], []).append(name)
    return aliases
