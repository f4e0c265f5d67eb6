"""The set algebra of queries, tested with random words and names of the demo archive.

For any queries A and B a reader can rely on: `A OR B` finds at least what
each finds, `A AND B` at most what each finds, `A -B` exactly what `A` finds
without what `A AND B` finds, and the case and accents in which A is written
change nothing. A and B are drawn from the archive's own words (of its titles
and leads) and from every name of the entities its articles are about
("Wien", "Österreich", "IAEA", "Vereinigte Staaten"), where the expansion
through the gazetteer has to keep all of it true.

A long run (random seed; 3,000 examples each took 3.5 minutes):

    VINDEX_FUZZ_EXAMPLES=3000 .venv/bin/python -m pytest tests/test_query_algebra.py -q
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from fuzzing import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from indexer.archive.request import SearchRequest
from indexer.embedded.search.core import SearchCore
from indexer.entities.gazetteer import load_gazetteer

_WORDS = re.compile(r"[^\W\d_]{2,}")


@pytest.fixture(scope="module")
def vocabulary(demo: SearchCore) -> tuple[list[str], list[str]]:
    """Words of the archive's titles and leads; every name of its articles' entities."""
    result = demo.search(SearchRequest.from_params({"per_page": "100"}))
    assert result.total == len(result.hits)
    words: set[str] = set()
    names: set[str] = set()
    gazetteer = load_gazetteer()
    for hit in result.hits:
        article = demo.article(hit.id)
        assert article is not None
        words.update(_WORDS.findall(f"{article['title']} {article.get('lead', '')}"))
        for values in hit.entities.values():
            for value in values:
                entry = gazetteer.find(value)
                names.update(entry.aliases if entry is not None else (value,))
    # Stop words too: every word is indexed (issue 14 #4), so "(Access) AND
    # (WHO)" finds no more than "WHO", and "für" no less than "fur".
    return sorted(words), sorted(names)


def query(vocabulary: tuple[list[str], list[str]]) -> st.SearchStrategy[str]:
    """A word or a name, as often one as the other (the archive has many more words)."""
    words, names = vocabulary
    return st.one_of(st.sampled_from(words), st.sampled_from(names))


def total(core: SearchCore, q: str) -> int:
    return core.search(SearchRequest.from_params({"q": q, "per_page": "1"})).total


def strip_accents(text: str) -> str:
    """The text as a reader without those keys types it: Österreich -> Osterreich."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@fuzz_settings(60, slow=True)
@given(data=st.data())
def test_or_widens_and_narrows_not_removes(
    demo: SearchCore, vocabulary: tuple[list[str], list[str]], data: st.DataObject
) -> None:
    a = data.draw(query(vocabulary), label="A")
    b = data.draw(query(vocabulary), label="B")
    found_a, found_b = total(demo, a), total(demo, b)
    either = total(demo, f"({a}) OR ({b})")
    both = total(demo, f"({a}) AND ({b})")
    assert either >= max(found_a, found_b)
    assert both <= min(found_a, found_b)
    assert either == found_a + found_b - both
    assert total(demo, f"({a}) -({b})") == found_a - both


@fuzz_settings(150, slow=True)
@given(data=st.data())
def test_case_and_accents_change_nothing(
    demo: SearchCore, vocabulary: tuple[list[str], list[str]], data: st.DataObject
) -> None:
    a = data.draw(query(vocabulary), label="A")
    upper = data.draw(st.lists(st.booleans(), min_size=len(a), max_size=len(a)), label="case")
    cased = "".join(c.upper() if up else c.lower() for c, up in zip(a, upper, strict=True))
    expected = total(demo, a)
    assert total(demo, cased) == expected, cased
    assert total(demo, strip_accents(cased)) == expected, strip_accents(cased)


def test_a_hyphen_inside_a_word_is_no_minus(demo: SearchCore) -> None:
    # "Meinl-Reisinger" was read as Meinl NOT Reisinger: 0 articles, and
    # "(A) AND (A)" found more than A. It is one name of two words.
    assert total(demo, "Meinl-Reisinger") == total(demo, "Meinl Reisinger") == 2
    assert total(demo, "(Meinl-Reisinger) AND (Meinl-Reisinger)") == 2
    assert total(demo, "Meinl -Reisinger") == 0
