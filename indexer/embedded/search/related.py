"""Related articles: those sharing an article's entities and most distinctive words, and why.

An article page lists a few articles about the same people, organisations
and places (each shared entity weighs twice) or using the same uncommon
words of its title and lead. They are found with the array engine
(`indexer.embedded.search.engine`), as a search's words are, and listed by
score, equal scores newest first; each names the entities it shares.

May import `indexer.embedded.index`, the engine, the index states and the typed results.
"""

from __future__ import annotations

import math
from typing import Any

from whoosh.query import Or, Query, Term
from whoosh.searching import Searcher

from indexer.archive.results import RelatedArticle, article_url
from indexer.embedded.index.columns import split_names
from indexer.embedded.index.schema import analyzer_for, language_group, shown_title, text_field
from indexer.embedded.search.engine import evaluate
from indexer.embedded.search.states import IndexState
from indexer.ingest.article import ENTITY_TYPES

# Distinctive words of the title and lead an article is compared by.
KEY_TERMS = 8


def related(state: IndexState, article_id: str, limit: int) -> list[RelatedArticle]:
    """Up to `limit` articles related to this one (none when the id is unknown)."""
    searcher = state.searcher
    docnum = next(iter(searcher.document_numbers(id=article_id)), None)
    if docnum is None:
        return []
    stored = state.stored(docnum)
    own = {kind: set(split_names(stored.get(kind))) for kind in ENTITY_TYPES}
    clauses: list[Query] = [
        Term(kind, name, boost=2.0) for kind in ENTITY_TYPES for name in own[kind]
    ]
    clauses.extend(_key_terms(searcher, stored))
    if not clauses:
        return []
    # The array engine scores as Whoosh's matchers do, without walking every
    # match in Python (a fifth of a server's time under load went there).
    mask, scores = evaluate(Or(clauses), state.postings)
    mask[docnum] = False
    found = []
    for other in state.facets.ranked(mask, scores, "relevance", limit).tolist():
        fields = state.stored(other)
        shared = {
            kind: sorted(own[kind] & set(split_names(fields.get(kind)))) for kind in ENTITY_TYPES
        }
        found.append(
            RelatedArticle(
                id=fields["id"],
                url=article_url(fields["id"]),
                title=shown_title(fields),
                section=fields.get("section", ""),
                published=fields.get("published_iso", ""),
                shared_entities={k: v for k, v in shared.items() if v},
            )
        )
    return found[:limit]


def _key_terms(searcher: Searcher, stored: dict[str, Any], count: int = KEY_TERMS) -> list[Query]:
    """The article's most distinctive words (title and lead), as query terms.

    Stop words are indexed, but say nothing of what an article is about; in a
    small archive they are not common enough for the frequency bound to leave
    them out.
    """
    group = language_group(stored.get("language", ""))
    analyzer = analyzer_for(group)
    fieldname = text_field("lead", group)
    text = " ".join(p for p in (stored.get("title", ""), stored.get("lead", "")) if p)
    reader = searcher.reader()
    total = max(1, reader.doc_count())
    scored = {}
    for token in analyzer(text):
        term = token.text
        if len(term) < 3 or term in scored or analyzer.is_stop(term):
            continue
        frequency = reader.doc_frequency(fieldname, term)
        if 1 < frequency < total / 10:
            scored[term] = math.log(total / frequency)
    best = sorted(scored, key=lambda t: -scored[t])[:count]
    return [Term(fieldname, term) for term in best]
