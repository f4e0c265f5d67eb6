"""Query expansion through the gazetteer: a name also finds the articles about it.

An article in German says "OSZE" where an English one says "OSCE"; both carry
the entity `OSCE`. So a query word that names a gazetteer entry also matches
that entity's field: `osce` finds the German articles, `Wien` the English ones.

The expansion happens while the query is parsed, one word at a time: the
parser plugin of `EntityWords` turns each such word into one unit, (the word
over its fields) OR (the entity's term), before Whoosh applies AND, OR, NOT
and groups. A word therefore stands for the same articles wherever it is
written, and the algebra a reader expects holds: `A OR B` finds at least what
`A` finds, `A -B` is what `A` finds less what `B` finds. (Expanding the parsed
query afterwards looked for one word's group of per-field terms, which Whoosh
had already merged into its neighbours' in `A OR B`.) What is excluded is
excluded as a whole: `osce -wien` leaves out the articles about Vienna, as
`osce wien` keeps only them.

A field query looks for the entity's names in that field: `title:wien` finds
titles that say "Wien", "Vienna" or another of its names; the entity field
says nothing about where the name stands in an article, so it is not used.
Phrases, prefixes and fuzzy words stay as written.

Which words expand is decided on the word folded as the analyzer folds it
(lowercase, accents off), so case and accents never change what a query finds:
`vienna`, `VIENNA` and `Vienna` alike, `Osterreich` as `Österreich`. A word
expands when that folded form is the folded form of a one-word alias of a
person, organisation or place, written with a capital in the gazetteer (an
alias without one is a common word, as for the extractor), is no stop word of
any language group and no abbreviation: `us`, `who` and `die` stay words, `US`
and `WHO` with them, and `ore` is not Oregon ("Ore.").
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import qparser
from whoosh.qparser import syntax
from whoosh.qparser.plugins import PhrasePlugin
from whoosh.query import Query, Term

from indexer.embedded.index.analysis import WORD_PATTERN
from indexer.embedded.index.analysis import fold as fold_word
from indexer.embedded.index.schema import ANY_STOP_WORDS
from indexer.entities.gazetteer import Entry, Gazetteer
from indexer.entities.names import STOPWORDS
from indexer.ingest.article import ENTITY_TYPES

# An entity match weighs like a word in the lead: found, but below title words.
_ENTITY_BOOST = 1.5
# Punctuation around a word is no part of it ("Vienna,", "(OSCE"); inside it is ("U.S").
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
# One token of the analyzer (its tokenizer's pattern): an alias of one word.
_ONE_TOKEN = re.compile(WORD_PATTERN)


def fold(word: str) -> str:
    """The word as the index's analyzers fold it (`analysis.fold`), edges trimmed."""
    return _EDGES.sub("", fold_word(word))


# Words of every language group that mean too little to stand for a name.
_COMMON = ANY_STOP_WORDS | frozenset(fold(word) for word in STOPWORDS)


def entity_words(gazetteer: Gazetteer) -> EntityWords:
    """The gazetteer's `EntityWords`, built on first use (a few hundred ms)."""
    return gazetteer.derived("entity_words", EntityWords)


class EntityWords:
    """The gazetteer's one-word names, folded, and the plugin that expands them in queries."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self._entries: dict[str, Entry] = {}
        self._names: dict[Entry, tuple[str, ...]] = {}
        for entry in gazetteer.entries:  # in order of preference: the likeliest wins
            if entry.type not in ENTITY_TYPES:
                continue
            names = []
            for alias in entry.aliases:
                if alias in gazetteer.blocklist or not any(c.isupper() for c in alias):
                    continue  # not a name the extractor finds in text
                if " " in alias:
                    names.append(alias)  # several words: a phrase, in a field query
                    continue
                key = fold(alias)
                if _is_query_word(alias, key):
                    names.append(alias)
                    self._entries.setdefault(key, entry)
            self._names[entry] = tuple(names)

    def entity(self, word: str) -> Entry | None:
        """The entity a query word safely names, whatever its case and accents."""
        return self._entries.get(fold(word))

    def names(self, entry: Entry) -> tuple[str, ...]:
        """The names of an entity that a field query looks for: no stop word, no abbreviation."""
        return self._names.get(entry, ())

    def plugin(self) -> qparser.Plugin:
        """A Whoosh query parser plugin expanding the words that name entities."""
        return _EntityPlugin(self)


def _is_query_word(alias: str, key: str) -> bool:
    """Whether a reader's word `key` stands for the alias: a name, not a common word."""
    if len(key) < 2 or key in _COMMON:
        return False
    # An abbreviation ("Ore.", "Mass.", "Wash." for US states) is a word without
    # its full stop: "ore" is in 125 Reuters articles, Oregon in 49. "U.S." and
    # "D.C." keep theirs inside.
    return not (alias.endswith(".") and "." not in alias[:-1])


class _EntityPlugin(qparser.Plugin):  # type: ignore[misc]
    """Each word that names an entity becomes (word OR the entity) before operators apply."""

    def __init__(self, words: EntityWords) -> None:
        self.words = words

    def filters(self, parser: qparser.QueryParser) -> list[tuple[Any, int]]:
        # After the fields filter names the field of `title:word` (100), before
        # words are spread over the language fields (105, 110) and long before
        # the operators (510, 600) group the words with their neighbours.
        return [(self.expand, 104)]

    def expand(self, parser: qparser.QueryParser, group: Any) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.expand(parser, node)
            elif type(node) is syntax.WordNode:  # not phrases, prefixes, fuzzy words
                entry = self.words.entity(node.text)
                if entry is None:
                    continue
                if node.fieldname is None:
                    group[i] = syntax.OrGroup([node, _EntityNode(entry, node)])
                else:
                    group[i] = syntax.OrGroup([node, *self._names(entry, node)])
        return group

    def _names(self, entry: Entry, node: Any) -> list[Any]:
        """The entity's other names, searched in the field of `node`."""
        seen = {fold(node.text)}
        names = []
        for alias in self.words.names(entry):
            key = fold(alias)
            if key in seen:
                continue
            seen.add(key)
            if _ONE_TOKEN.fullmatch(alias):
                name: Any = syntax.WordNode(alias)
            else:
                # Several words ("Vereinigte Staaten", "Baden-Württemberg"): in this order.
                name = PhrasePlugin.PhraseNode(alias, node.startchar)
            name.set_fieldname(node.fieldname, override=True)
            name.set_boost(node.boost)
            name.startchar, name.endchar = node.startchar, node.endchar
            names.append(name)
        return names


class _EntityNode(syntax.SyntaxNode):  # type: ignore[misc]
    """The entity field's term for a word; no field or text for the other filters to touch."""

    def __init__(self, entry: Entry, word: Any) -> None:
        self.entry = entry
        self.startchar = word.startchar
        self.endchar = word.endchar

    def r(self) -> str:
        return f"{self.entry.type}:{self.entry.name!r}"

    def query(self, parser: qparser.QueryParser) -> Query:
        return Term(self.entry.type, self.entry.name, boost=_ENTITY_BOOST)
