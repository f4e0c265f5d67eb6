"""Ranking on a small real index: the proximity bonus and freshness as a tie-breaker only."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import core_over, write_jsonl
from whoosh.query import Or, Phrase

from indexer.archive.request import SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import SEARCH_BOOSTS, SEARCH_FIELDS
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.core import SearchCore, SearchResult
from indexer.embedded.search.engine import PROXIMITY_SLOP, evaluate, proximity
from indexer.embedded.search.prune import prune
from indexer.embedded.search.textquery import parse_text_query

# Filler without any query word, so that every article below has the same length.
FILLER = "delegates met again on tuesday and agreed to continue the review of next month"


def article(n: int, body: str, published: str, title: str = "Weekly review") -> dict[str, Any]:
    return {
        "id": f"a-{n}",
        "title": title,
        "body": [body],
        "published": published,
        "section": "Economy",
        "language": "en",
    }


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> SearchCore:
    root = tmp_path_factory.mktemp("ranking")
    articles = [
        # The same words and counts, same length: only how close they stand differs.
        # The far one is newer, so that without a proximity bonus it would come first.
        article(1, f"interest rates rose. {FILLER}", "2024-03-01T10:00:00+01:00"),
        article(2, f"interest {FILLER} rates rose.", "2024-03-05T10:00:00+01:00"),
        # The words in the other order: close, but not the query's phrase.
        article(3, f"rates interest rose. {FILLER}", "2024-03-04T10:00:00+01:00"),
        # Twelve articles that score the same for "harbour": their dates decide.
        *(
            article(
                10 + n,
                f"the harbour closed on monday. {FILLER}",
                f"2023-{1 + n:02d}-15T10:00:00+01:00",
                title="Port news",
            )
            for n in range(12)
        ),
        # "of" next to both words, and "of" after an unrelated word; the far one is newer.
        article(4, f"balance of payments improved. {FILLER}", "2022-01-01T10:00:00+01:00"),
        article(5, f"balance improved of payments. {FILLER}", "2022-01-02T10:00:00+01:00"),
        # Articles without any query word, so that "harbour" is in fewer than half.
        *(article(50 + n, FILLER, "2021-06-01T10:00:00+01:00") for n in range(16)),
        # A better match for "harbour" (the word in its title too), and the oldest.
        article(
            30,
            f"the harbour closed on monday. {FILLER}",
            "2020-01-01T10:00:00+01:00",
            title="Harbour",
        ),
    ]
    corpus = root / "corpus"
    # Two files, two segments' worth of documents: ties must hold across them.
    write_jsonl(corpus / "one.jsonl", articles[:8])
    write_jsonl(corpus / "two.jsonl", articles[8:])
    location = IndexLocation(root / "index")
    report = update_index(location, corpus)
    assert report.indexed == len(articles) and not report.errors
    yield from core_over(location)


def run(core: SearchCore, **params: object) -> SearchResult:
    return core.search(SearchRequest.from_params(params))


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def test_words_next_to_each_other_rank_first(core: SearchCore) -> None:
    result = run(core, q="interest rates")
    # Proximity orders, it does not filter: all three still match.
    assert result.total == 3
    assert ids(result)[0] == "a-1"
    # The reversed pair and the far pair score alike; the newer (a-2) first.
    assert ids(result)[1:] == ["a-2", "a-3"]
    scores = [hit.score for hit in result.hits]
    assert scores[0] > scores[1] == scores[2]


def test_stop_words_stand_in_the_phrase(core: SearchCore) -> None:
    """Every word is indexed at its true position: `of` must stand between the two."""
    result = run(core, q="balance of payments")
    assert ids(result) == ["a-4", "a-5"]
    assert result.hits[0].score > result.hits[1].score


def test_one_word_and_or_queries_get_no_bonus(core: SearchCore) -> None:
    with core._using() as state:
        schema = state.searcher.schema
        for q in ("interest", "interest OR rates", '"interest rates"', "interest*"):
            query, _ = parse_text_query(q, schema, SEARCH_FIELDS, SEARCH_BOOSTS)
            assert query is not None
            pruned = prune(query, state.searcher.reader())
            assert proximity(pruned, state.postings) is None, q


def test_the_bonus_is_where_whooshs_phrase_matches(core: SearchCore) -> None:
    """The bonus falls on exactly the documents Whoosh finds the words as a sloppy phrase in."""
    with core._using() as state:
        searcher = state.searcher
        for q in ("interest rates", "harbour closed", "interest rates -harbour"):
            query, _ = parse_text_query(q, searcher.schema, SEARCH_FIELDS, SEARCH_BOOSTS)
            assert query is not None
            bonus = proximity(prune(query, searcher.reader()), state.postings)
            assert bonus is not None, q
            words = [w for w in q.split() if not w.startswith("-")]
            phrases = Or(
                [
                    Phrase(field, [_analysed(searcher.schema, field, w) for w in words])
                    for field in SEARCH_FIELDS
                ]
            )
            # Whoosh's Phrase has slop 1 by default: the bonus's slop.
            assert PROXIMITY_SLOP == 1
            expected = {hit.docnum for hit in searcher.search(phrases, limit=None)}
            assert expected, q
            assert set(np.flatnonzero(bonus).tolist()) == expected, q
            # And the search's scores are Whoosh's plus the bonus.
            mask, scores = evaluate(prune(query, searcher.reader()), state.postings)
            for hit in searcher.search(query, limit=None):
                assert mask[hit.docnum], q
                assert scores[hit.docnum] == pytest.approx(hit.score + bonus[hit.docnum]), q


def test_equal_scores_come_newest_first_across_pages(core: SearchCore) -> None:
    first = run(core, q="harbour", per_page=5)
    second = run(core, q="harbour", per_page=5, page=2)
    third = run(core, q="harbour", per_page=5, page=3)
    hits = first.hits + second.hits + third.hits
    assert first.total == len(hits) == 13
    # Freshness breaks ties only: the best match comes first although it is the oldest.
    assert hits[0].id == "a-30"
    tied = hits[1:]
    assert len({hit.score for hit in tied}) == 1
    assert [hit.id for hit in tied] == [f"a-{10 + n}" for n in reversed(range(12))]
    assert [hit.published for hit in tied] == sorted((hit.published for hit in tied), reverse=True)


def _analysed(schema: Any, field: str, word: str) -> str:
    """The word as the field indexes it (stemmed for English, folded)."""
    return str(next(iter(schema[field].process_text(word, mode="query"))))
