"""The numpy query engine (indexer/embedded/search/engine.py) against Whoosh and arithmetic.

Its claim is that it finds what Whoosh finds and scores it as Whoosh's
BM25F does, only with arrays: so each query here is evaluated by both, on
the same real index, and the plain term scores are also computed by hand
from the index's statistics. Positions are read a block at a time, and a
phrase over a few documents skips the blocks without them: checked against
reading every position, on an index whose posting lists span several blocks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from conftest import synthetic_article
from query_articles import ARTICLES, small_index
from whoosh.index import Index
from whoosh.query import (
    And,
    AndMaybe,
    AndNot,
    DisjunctionMax,
    Every,
    Not,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
)
from whoosh.searching import Searcher

from indexer.embedded.search.engine import K1, POSITION_BITS, B, Postings, evaluate

IDS = [article["id"] for article in ARTICLES]
# Whoosh's block matcher holds this many postings a block (whoosh3's default).
BLOCK = 128


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    idx = small_index(tmp_path_factory.mktemp("engine"))
    with idx.searcher() as searcher:
        yield searcher
    idx.close()


def every(searcher: Searcher) -> np.ndarray:
    return np.ones(searcher.doc_count_all(), dtype=np.bool_)


def engine(searcher: Searcher, query: Query) -> dict[str, float]:
    """What the engine finds for the query: article id -> score."""
    mask, scores = evaluate(query, Postings(searcher, every(searcher)))
    return {IDS[n]: float(scores[n]) for n in np.flatnonzero(mask)}


def whoosh(searcher: Searcher, query: Query) -> dict[str, float]:
    """What Whoosh's own search finds for the query, scored by its BM25F."""
    return {hit["id"]: hit.score for hit in searcher.search(query, limit=None)}


def test_a_term_scores_its_bm25f_computed_by_hand(searcher: Searcher) -> None:
    """`talks` (stemmed `talk`) is once in two English bodies, of 8 and 12 words."""
    reader = searcher.reader()
    average = searcher.avg_field_length("body_en")
    idf = math.log(5 / (2 + 1)) + 1
    expected = {}
    for doc, frequency in reader.postings("body_en", "talk").items_as("frequency"):
        length = reader.doc_field_length(doc, "body_en")
        norm = K1 * ((1 - B) + B * length / average)
        expected[IDS[doc]] = idf * frequency * (K1 + 1) / (frequency + norm)
    assert {key: round(value, 9) for key, value in expected.items()} == {
        "iaea-tehran": 1.40909921,
        "kosovo-trade": 1.150812186,
    }
    assert engine(searcher, Term("body_en", "talk")) == pytest.approx(expected, rel=1e-12)
    doubled = engine(searcher, Term("body_en", "talk", boost=2.0))
    assert doubled == pytest.approx({key: 2 * value for key, value in expected.items()})


@pytest.mark.parametrize(
    "query",
    [
        Term("body_en", "talk"),
        Term("title_en", "talk", boost=3.0),
        Term("body_de", "neutralitat"),
        Term("body_en", "absent"),
        Or([Term("body_en", "talk"), Term("title_en", "talk"), Term("title_en", "elect")]),
        Or([Term("body_en", "talk"), Term("title_en", "talk")], boost=1.5),
        # Words far apart get no proximity bonus: plain sums, as Whoosh's.
        And([Term("body_en", "talk"), Term("body_en", "trade")]),
        And([Term("body_en", "talk"), Or([Term("title_en", "trade"), Term("body_en", "grossi")])]),
        AndNot(Term("body_en", "talk"), Term("body_en", "trade")),
        AndMaybe(Term("body_en", "talk"), Term("body_en", "trade")),
        # One word: Whoosh scores it as that word.
        Prefix("body_en", "obs"),
        Phrase("body_en", ["nuclear", "safeguard"]),
        Phrase("body_en", ["safeguard", "nuclear"]),
        Phrase("body_en", ["held", "safeguard"]),
        Phrase("body_en", ["held", "safeguard"], slop=3),
        Phrase("body_en", ["held", "safeguard"], slop=4),
        Phrase("title_en", ["director", "general", "visit"]),
    ],
    ids=repr,
)
def test_matches_and_scores_agree_with_whoosh(searcher: Searcher, query: Query) -> None:
    assert engine(searcher, query) == pytest.approx(whoosh(searcher, query), rel=1e-9)


def test_not_and_every_match_unscored(searcher: Searcher) -> None:
    assert engine(searcher, Not(Term("body_en", "talk"))) == {
        "osce-council": 0.0,
        "neutralitaet": 0.0,
        "observers": 0.0,
    }
    # Whoosh gives every document 1: here they are all equal too, at 0.
    assert engine(searcher, Every()) == dict.fromkeys(whoosh(searcher, Every()), 0.0)


def test_a_prefix_of_many_words_scores_as_their_or(searcher: Searcher) -> None:
    """Whoosh gives each match of such a prefix the same score (1); the engine scores the
    words it stands for, so a document with more of them, or rarer ones, ranks higher."""
    words = [word.decode() for word in searcher.reader().expand_prefix("body_en", "s")]
    assert words == ["safeguard", "said", "secur"]
    as_or = Or([Term("body_en", word) for word in words])
    assert engine(searcher, Prefix("body_en", "s")) == pytest.approx(whoosh(searcher, as_or))
    assert set(whoosh(searcher, Prefix("body_en", "s")).values()) == {1.0}


def test_disjunction_max_adds_a_share_of_the_others_to_the_best(searcher: Searcher) -> None:
    body = engine(searcher, Term("body_en", "talk"))
    title = engine(searcher, Term("title_en", "talk"))
    expected = {
        key: max(body[key], title.get(key, 0.0)) + 0.1 * min(body[key], title.get(key, 0.0))
        for key in body
    }
    assert expected == pytest.approx({"iaea-tehran": 1.40909921, "kosovo-trade": 2.89475569})
    query = DisjunctionMax([Term("body_en", "talk"), Term("title_en", "talk")], tiebreak=0.1)
    assert engine(searcher, query) == pytest.approx(expected)


def test_words_side_by_side_add_their_phrase_score(searcher: Searcher) -> None:
    """ "nuclear safeguards" stand together: the AND of the two words earns its phrase score
    once more (PROXIMITY_WEIGHT 1), where "talks ... trade" (two words apart) earns none."""
    near = And([Term("body_en", "nuclear"), Term("body_en", "safeguard")])
    plain = whoosh(searcher, near)
    assert engine(searcher, near) == pytest.approx({"iaea-tehran": 2 * plain["iaea-tehran"]})
    # The order of the query's words counts: reversed, they are not a phrase.
    reversed_near = And([Term("body_en", "safeguard"), Term("body_en", "nuclear")])
    assert engine(searcher, reversed_near) == pytest.approx(plain)


def test_deleted_documents_never_match(searcher: Searcher) -> None:
    live = every(searcher)
    live[IDS.index("iaea-tehran")] = False
    postings = Postings(searcher, live)
    for query in (Term("body_en", "talk"), Phrase("body_en", ["nuclear", "safeguard"]), Every()):
        mask, scores = evaluate(query, postings)
        assert not mask[IDS.index("iaea-tehran")], query
        assert scores[IDS.index("iaea-tehran")] == 0.0
    mask, _ = evaluate(Term("body_en", "talk"), postings)
    assert [IDS[n] for n in np.flatnonzero(mask)] == ["kosovo-trade"]


# -- many blocks ---------------------------------------------------------------

COUNT = 4 * BLOCK + 20


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    """Synthetic articles whose common words have postings in four or five blocks."""
    articles = [synthetic_article(n, words=20) for n in range(COUNT)]
    idx: Index = small_index(tmp_path_factory.mktemp("engine-blocks"), articles)
    with idx.searcher() as searcher:
        yield searcher
    idx.close()


def keys_by_hand(searcher: Searcher, word: str, documents: list[int]) -> list[int]:
    """The word's position keys in those documents, read from Whoosh one document at a time."""
    keys = []
    for doc, positions in searcher.reader().postings("body_en", word).items_as("positions"):
        if doc in documents:
            keys += [doc << POSITION_BITS | position for position in positions]
    return sorted(keys)


@pytest.mark.parametrize(
    "documents",
    [
        [3],  # the first block only
        [5, COUNT - 2],  # the first and the last block: those between are skipped
        [BLOCK - 1, BLOCK, 2 * BLOCK + 7, 3 * BLOCK],  # both sides of a block boundary
    ],
)
def test_positions_of_a_few_documents_skip_the_blocks_without_them(
    blocks: Searcher, documents: list[int]
) -> None:
    word = "vienna"
    assert blocks.reader().doc_frequency("body_en", word) > 3 * BLOCK
    wanted = np.asarray(documents, dtype=np.int64)
    sparse = Postings(blocks, every(blocks)).positions("body_en", word, wanted)
    expected = keys_by_hand(blocks, word, documents)
    assert len(expected) > len(documents)
    assert sparse.tolist() == expected
    # Once all positions are decoded and cached, the same documents give the same keys.
    postings = Postings(blocks, every(blocks))
    assert len(postings.positions("body_en", word)) > 10 * len(expected)
    assert postings.positions("body_en", word, wanted).tolist() == expected


@pytest.mark.parametrize(
    "words",
    [["nuclear", "energi"], ["vienna", "osc"], ["secur", "talk", "trade"], ["talk", "talk"]],
    ids=repr,
)
@pytest.mark.parametrize("slop", [1, 2])
def test_phrases_over_many_blocks_agree_with_whoosh(
    blocks: Searcher, words: list[str], slop: int
) -> None:
    query = Phrase("body_en", words, slop=slop)
    mask, scores = evaluate(query, Postings(blocks, every(blocks)))
    found = {hit.docnum: hit.score for hit in blocks.search(query, limit=None)}
    assert found, query
    assert set(np.flatnonzero(mask).tolist()) == set(found)
    assert {n: float(scores[n]) for n in found} == pytest.approx(found, rel=1e-9)
