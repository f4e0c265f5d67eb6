"""Related articles: those sharing an article's entities and distinctive words, and why."""

from __future__ import annotations

from indexer.archive.request import SearchRequest
from indexer.embedded.search.core import SearchCore


def _first(demo: SearchCore, q: str) -> str:
    return demo.search(SearchRequest(q=q)).hits[0].id


def test_an_unknown_article_has_none(demo: SearchCore) -> None:
    assert demo.related("no-such-article") == []


def test_shared_entities_are_the_articles_own(demo: SearchCore) -> None:
    article_id = _first(demo, "Grossi IAEA")
    stored = demo.article(article_id)
    assert stored is not None
    related = demo.related(article_id, limit=3)
    assert 0 < len(related) <= 3
    for other in related:
        assert other.id != article_id and other.url == f"/articles/{other.id}"
        for kind, names in other.shared_entities.items():
            assert names and set(names) <= set(stored.get(kind, "").split(","))


def test_the_first_few_are_the_first_of_more(demo: SearchCore) -> None:
    article_id = _first(demo, "OSCE")
    more = demo.related(article_id, limit=6)
    assert demo.related(article_id, limit=2) == more[:2]
