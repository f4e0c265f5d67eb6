"""The search core on real indexes: Reuters (a slice of the import) and the demo archive."""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import core_over, run_cli, synthetic_article, write_json, write_jsonl
from whoosh.query import FuzzyTerm, Or, Prefix, Query, Term, Wildcard
from whoosh.query.terms import MultiTerm

from indexer.archive.request import (
    MAX_EXPANDED_POSTINGS,
    MAX_EXPANDED_TERMS,
    RequestError,
    SearchRequest,
)
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import SEARCH_BOOSTS as BOOSTS
from indexer.embedded.index.schema import SEARCH_FIELDS
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore, SearchResult
from indexer.embedded.search.engine import ENTRY_POSTINGS, PostingCache, evaluate, proximity
from indexer.embedded.search.lexicon import Budget
from indexer.embedded.search.prune import prune
from indexer.embedded.search.textquery import parse_text_query
from indexer.ingest.importers import ImportSummary


@pytest.fixture(scope="module")
def reuters(tmp_path_factory: pytest.TempPathFactory, reuters_import: ImportSummary) -> SearchCore:
    """An index of a slice of Reuters: every cocoa, coffee and oil story, and every 8th other."""
    root = tmp_path_factory.mktemp("reuters")
    kept = []
    for path in sorted(reuters_import.files):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            article = json.loads(line)
            text = (article["title"] + " " + " ".join(article.get("tags", []))).lower()
            if any(w in text for w in ("cocoa", "coffee", "oil", "crude")) or number % 8 == 0:
                kept.append(article)
    corpus = root / "corpus"
    write_jsonl(corpus / "slice.jsonl", kept[: len(kept) // 2])
    write_jsonl(corpus / "slice-2.jsonl", kept[len(kept) // 2 :])
    location = IndexLocation(root / "index")
    report = update_index(location, corpus, workers=2)
    assert report.indexed == len(kept) and not report.errors
    yield from core_over(location)


def run(core: SearchCore, **params: object) -> SearchResult:
    return core.search(SearchRequest.from_params(params))


def all_ids(core: SearchCore, **params: object) -> set[str]:
    ids: set[str] = set()
    page = 1
    while True:
        result = run(core, per_page=100, page=page, **params)
        ids.update(hit.id for hit in result.hits)
        if page >= result.pages:
            return ids
        page += 1


def test_cocoa_is_about_cocoa(reuters: SearchCore) -> None:
    result = run(reuters, q="cocoa")
    assert result.total >= 10
    for hit in result.hits:
        assert "<mark>" in hit.title_html + hit.snippet_html
        assert "cocoa" in (hit.title + hit.snippet_html).lower()
    places = [v.value for v in result.facets["place"][:8]]
    for country in ("Ivory Coast", "Ghana", "Brazil"):
        assert country in places


@pytest.mark.parametrize("facet", ["section", "year", "place", "organization", "language"])
def test_every_facet_count_equals_the_filtered_total(reuters: SearchCore, facet: str) -> None:
    result = run(reuters, q="oil")
    values = result.facets[facet][:4]
    assert values, f"no {facet} facet for oil"
    for value in values:
        if facet == "year":
            narrowed = run(reuters, q="oil", **{"from": value.value, "to": value.value})
        else:
            narrowed = run(reuters, q="oil", **{facet: value.value})
        assert narrowed.total == value.count, (facet, value)


def test_values_of_one_facet_are_ored_and_facets_anded(reuters: SearchCore) -> None:
    ghana = all_ids(reuters, q="cocoa", place="Ghana")
    brazil = all_ids(reuters, q="cocoa", place="Brazil")
    both = run(reuters, q="cocoa", place=["Ghana", "Brazil"])
    assert both.total == len(ghana | brazil) > max(len(ghana), len(brazil))
    # The place facet ignores its own selection: Ivory Coast can still be added.
    assert any(v.value == "Ivory Coast" for v in both.facets["place"])
    selected = {v.value for v in both.facets["place"] if v.selected}
    assert selected == {"Ghana", "Brazil"}
    # A second facet narrows: ANDed with the places.
    section = both.facets["section"][0]
    anded = run(reuters, q="cocoa", place=["Ghana", "Brazil"], section=section.value)
    assert anded.total == section.count <= both.total


def test_section_tree_counts_children_in_parents(reuters: SearchCore) -> None:
    result = run(reuters)
    counts = {v.value: v.count for v in result.facets["section"]}
    parents = [v for v in counts if " > " not in v]
    for parent in parents:
        children = [c for v, c in counts.items() if v.startswith(parent + " > ")]
        if children:
            assert counts[parent] >= max(children)
    child = next(v for v in counts if " > " in v)
    parent = child.split(" > ")[0]
    assert run(reuters, section=parent).total == counts[parent]


def test_sorting_and_pages(reuters: SearchCore) -> None:
    newest = run(reuters, q="oil", sort="newest", per_page=20)
    dates = [hit.published for hit in newest.hits]
    assert dates == sorted(dates, reverse=True)
    oldest = run(reuters, q="oil", sort="oldest", per_page=20)
    assert [h.published for h in oldest.hits] == sorted(h.published for h in oldest.hits)
    second = run(reuters, q="oil", page=2)
    first = run(reuters, q="oil")
    assert second.total == first.total and second.pages == -(-first.total // 10)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    beyond = run(reuters, q="oil", page=first.pages + 1)
    assert beyond.hits == [] and beyond.total == first.total


def test_relevance_scores_are_whooshs(reuters: SearchCore) -> None:
    """The array engine scores exactly as Whoosh's own BM25F matchers do, plus the
    proximity bonus of words standing together (tests/test_ranking.py)."""
    with reuters._using() as state:
        searcher = state.searcher
        assert len(searcher.reader().leaf_readers()) > 1
        for q in ("cocoa", "interest rates", "coffee OR cocoa", "oil -opec"):
            query, _ = parse_text_query(q, searcher.schema, SEARCH_FIELDS, BOOSTS)
            assert query is not None
            pruned = prune(query, searcher.reader())
            mask, scores = evaluate(pruned, state.postings)
            bonus = proximity(pruned, state.postings)
            assert (bonus is not None) == (q == "interest rates"), q
            if bonus is None:
                bonus = np.zeros(len(scores))
            expected = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
            assert set(mask.nonzero()[0].tolist()) == set(expected), q
            for docnum, score in expected.items():
                assert scores[docnum] == pytest.approx(score + bonus[docnum], rel=1e-6), q


def test_html_is_escaped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_json(
        corpus / "xss.json",
        {
            "id": "xss",
            "title": "<img src=x onerror=alert(1)>",
            "body": 'A <script>alert("body")</script> paragraph about img tags.',
            "published": "2024-01-01",
            "language": "en",
        },
    )
    index = tmp_path / "index"
    update_index(IndexLocation(index), corpus)
    core = SearchCore(LiveIndex(IndexLocation(index)))
    hit = core.search(SearchRequest(q="img")).hits[0]
    core.close()
    assert hit.title_html == "&lt;<mark>img</mark> src=x onerror=alert(1)&gt;"
    assert "<script>" not in hit.snippet_html
    done = run_cli("search", "<script>alert(1)</script>", "--json", "--index", str(index))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    shown = [h["title_html"] + h["snippet_html"] for h in result["hits"]]
    assert "<script>" not in json.dumps(shown)
    assert result["query"]["q"] == "<script>alert(1)</script>"


def test_did_you_mean(demo: SearchCore) -> None:
    result = run(demo, q="Osmanni")
    assert result.total == 0
    assert result.suggestion == "Osmani"
    assert run(demo, q="Osmani").total > 0
    assert run(demo, q="OSCE").suggestion is None


def test_did_you_mean_prefers_close_and_common_words(tmp_path: Path) -> None:
    titles = [*(["Volcker warns on rates"] * 12), "Volker typo in one title"]
    titles += ["Bank lends more", "Bank rates fall", "Coffee prices rise", "Coffee exports"]
    corpus = tmp_path / "corpus"
    write_jsonl(
        corpus / "a.jsonl",
        [synthetic_article(n) | {"title": t} for n, t in enumerate(titles)],
    )
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus, entities=False)
    core = SearchCore(LiveIndex(location))
    try:
        # A common word two edits away beats a rare one at one edit.
        assert run(core, q="volkcer").suggestion == "volcker"
        # Two neighbouring letters swapped are one edit; the reader's capital is kept.
        assert run(core, q="Bnak").suggestion == "Bank"
        assert run(core, q="cofee prices").suggestion == "coffee prices"
        assert run(core, q="xqzzyv").suggestion is None
    finally:
        core.close()


def test_related_articles_name_what_they_share(demo: SearchCore) -> None:
    hit = run(demo, q="Grossi IAEA").hits[0]
    related = demo.related(hit.id)
    assert related and all(r.id != hit.id for r in related)
    assert any(r.shared_entities for r in related)


def test_suggestions_complete_entities_and_titles(demo: SearchCore) -> None:
    suggestions = demo.suggest("Gros")
    assert any(s.value.startswith("Rafael") and s.type == "person" for s in suggestions)
    titles = demo.suggest("ministerial")
    assert any(s.type == "title" and "Ministerial" in s.value for s in titles)
    assert demo.suggest("x") == []


def test_describes_itself_and_reports_syntax_fallback(demo: SearchCore) -> None:
    result = run(demo, q='"unbalanced', section="Organizations")
    assert result.notice is not None
    assert result.to_dict()["description"] == 'articles matching "\'unbalanced" in Organizations'


def test_months_within_a_selected_year(demo: SearchCore) -> None:
    result = run(demo, **{"from": "2024", "to": "2024"})
    months = result.facets["month"]
    assert months and all(m.value.startswith("2024-") for m in months)
    assert sum(m.count for m in months) == result.total
    # The year facet still offers the other years (disjunctive).
    assert len(result.facets["year"]) > 1


def test_phrases_match_as_whoosh_matches_them(reuters: SearchCore) -> None:
    with reuters._using() as state:
        searcher = state.searcher
        # Positions are read per segment and joined: the slice has more than one.
        assert len(searcher.reader().leaf_readers()) > 1
        phrases = (
            '"money supply"',
            '"interest rates" OR cocoa',
            '"oil prices"',
            '"world bank"',
            '"crude oil prices"',
            '"oil prices"~3',
            '"prices oil"~4',
            # Stop words are indexed: positions are decoded only where every word
            # of the phrase is, skipping the blocks of "the" and "of" without them.
            '"the company said"',
            '"dlrs of debt"',
            '"of the"',
            '"price of oil"~2',
        )
        for q in phrases:
            query, _ = parse_text_query(q, searcher.schema, SEARCH_FIELDS, BOOSTS)
            assert query is not None
            mask, _ = evaluate(prune(query, searcher.reader()), state.postings)
            expected = set(searcher.docs_for_query(query))
            assert set(mask.nonzero()[0].tolist()) == expected, q
            assert expected, q
        # Whoosh's own AND NOT around a phrase lets some excluded documents through;
        # the array engine excludes every one.
        with_phrase = run(reuters, q='"world bank"', per_page=100)
        without_loans = run(reuters, q='"world bank" -loan', per_page=100)
        assert 0 < without_loans.total < with_phrase.total
        for hit in without_loans.hits:
            stored = reuters.article(hit.id)
            assert stored is not None
            text = " ".join((stored["title"], stored.get("lead", ""), stored["body"])).lower()
            assert "world bank" in " ".join(text.split()) and " loan " not in f" {text} "


def test_names_find_the_articles_about_them_in_either_language(demo: SearchCore) -> None:
    # German articles say "OSZE"; their entity is OSCE.
    german = run(demo, q="osce", language="de")
    assert german.total > 0
    assert all("OSCE" in hit.entities["organization"] for hit in german.hits)
    # "Wien" finds English articles about Vienna.
    english = run(demo, q="Wien", language="en")
    assert english.total > 0
    assert all("Vienna" in hit.entities["place"] for hit in english.hits)
    # A common word that is also a name does not widen the search.
    assert run(demo, q="us").total == 0


def test_an_update_is_searched_at_once_and_reuses_what_was_read_of_old_segments(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    articles = [synthetic_article(n) | {"section": "Politics"} for n in range(30)]
    articles[0]["entities"] = {"person": ["Olga Removedova"]}
    write_jsonl(corpus / "first.jsonl", articles)
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    core = SearchCore(LiveIndex(location))
    try:
        before = core.search(SearchRequest())
        assert before.total == 30
        word = articles[1]["title"].split()[0]
        assert run(core, q=f'{word} "{articles[1]["title"]}"').total >= 1
        old_postings = dict(core._shared.postings._entries)
        assert {key[2] for key in old_postings} == {"postings", "positions", "phrase"}
        core.warm()
        old_parts = dict(core._shared.facets)
        old_words = dict(core._shared.words)
        assert [s.value for s in core.suggest("removedo")] == ["Olga Removedova"]
        added = synthetic_article(99, prefix="new") | {
            "section": "Economy > Trade",
            "entities": {"person": ["Quentin Zarkov"]},
        }
        write_json(corpus / "added.json", added)
        update_index(location, corpus)
        after = core.search(SearchRequest())
        assert after.total == 31
        sections = {v.value: v.count for v in after.facets["section"]}
        assert sections == {"Politics": 30, "Economy": 1, "Economy > Trade": 1}
        # The first segment's arrays and words were not read again; only the new one's were.
        core.warm()
        assert len(core._shared.facets) == len(old_parts) + 1
        for key, part in old_parts.items():
            assert core._shared.facets[key] is part
            assert core._shared.words[key] is old_words[key]
        zarkov = core.suggest("zark")[0]
        assert (zarkov.value, zarkov.type, zarkov.count) == ("Quentin Zarkov", "person", 1)
        assert run(core, section="Economy").hits[0].id == added["id"]
        # So were its posting lists, positions and phrases, for the same query in the new state.
        assert run(core, q=f'{word} "{articles[1]["title"]}"').total >= 1
        for key, part in old_postings.items():
            assert core._shared.postings._entries[key] is part
        # Articles removed from a file are deleted documents: not found, not counted.
        write_jsonl(corpus / "first.jsonl", articles[5:])
        update_index(location, corpus)
        later = core.search(SearchRequest(per_page=50))
        assert later.total == 26
        assert {v.value: v.count for v in later.facets["section"]}["Politics"] == 25
        assert {hit.id for hit in later.hits}.isdisjoint(a["id"] for a in articles[:5])
        # The removed article's name is still filed, but no longer suggested.
        assert core.suggest("removedo") == []
        assert core.suggest("zark")[0].value == "Quentin Zarkov"
    finally:
        core.close()


def test_a_query_is_read_once_per_generation_and_pruned_per_state(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    articles = [synthetic_article(n) for n in range(10)]
    write_jsonl(corpus / "first.jsonl", articles)
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    core = SearchCore(LiveIndex(location))
    try:
        q = f"zarkovian OR {articles[1]['title'].split()[0]}"
        with core._using() as state:
            first = core._parse(state, q)
        write_json(corpus / "added.json", synthetic_article(99) | {"title": "Zarkovian days"})
        update_index(location, corpus)
        with core._using() as newer:
            assert newer is not state and newer.key[0] == state.key[0]
            second = core._parse(newer, q)
        # The same tree, never changed; pruned anew: the new word is in the index now.
        assert second.query is first.query
        assert first.pruned is not None and second.pruned != first.pruned
        assert run(core, q="zarkovian").total == 1
    finally:
        core.close()


def test_matches_of_a_year_or_two_are_counted_by_month(demo: SearchCore) -> None:
    # Skopje: November 2023 and January 2024.
    result = run(demo, q="skopje")
    assert [(m.value, m.count) for m in result.facets["month"]] == [("2023-11", 1), ("2024-01", 1)]
    # As the years are: without the dates' own restriction, so the other month stays.
    chosen = run(demo, q="skopje", **{"from": "2023-11", "to": "2023-11"})
    assert chosen.total == 1
    assert [(m.value, m.count) for m in chosen.facets["month"]] == [
        ("2023-11", 1),
        ("2024-01", 1),
    ]
    assert "month" in result.to_dict()["facets"]
    # Years from 2019 to 2026: counted by year only (no month pass for a long span).
    assert "month" not in run(demo, q="osce").facets


def test_every_year_is_listed_whatever_the_facet_limit(demo: SearchCore) -> None:
    result = demo.search(SearchRequest(), facet_limit=1)
    years = [v.value for v in result.facets["year"]]
    assert years == sorted(years, reverse=True)
    assert len(years) == result.facet_distinct["year"] > 1
    assert len(result.facets["place"]) == 1


def test_a_state_in_use_stays_open_across_updates_and_closes_after(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "first.jsonl", [synthetic_article(n) for n in range(20)])
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    core = SearchCore(LiveIndex(location))
    try:
        # An export's match set, taken before three updates (three newer states).
        matched = core.match(SearchRequest())
        held = matched.searcher
        for n in range(3):
            write_json(corpus / f"added-{n}.json", synthetic_article(100 + n, prefix="new"))
            update_index(location, corpus)
            assert core.search(SearchRequest()).total == 21 + n
        assert not held.is_closed
        first = int(np.flatnonzero(matched.mask)[0])
        assert held.stored_fields(first)["id"].startswith("t-")
        # Dropping the match set releases its state; being replaced, it closes.
        del matched
        gc.collect()
        assert held.is_closed
        assert core.search(SearchRequest()).total == 23
    finally:
        core.close()


def test_searches_never_fail_while_the_index_changes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "first.jsonl", [synthetic_article(n) for n in range(50)])
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    core = SearchCore(LiveIndex(location))
    failures: list[BaseException] = []
    done = threading.Event()

    def searching() -> None:
        while not done.is_set():
            try:
                result = core.search(SearchRequest.from_params({"q": "the OR a OR of"}))
                if result.hits:
                    core.article(result.hits[0].id)
                core.related("t-1")
            except BaseException as exc:  # any failure fails the test
                failures.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(15):
            write_json(corpus / f"added-{n}.json", synthetic_article(200 + n, prefix="new"))
            update_index(location, corpus)
    finally:
        done.set()
        for thread in threads:
            thread.join()
        core.close()
    assert not failures, failures[:3]


def test_warming_opens_the_state_the_first_search_uses(demo: SearchCore) -> None:
    demo.warm()
    state = demo._state
    assert state is not None and not state.users
    assert set(SEARCH_FIELDS) <= set(state.postings._lengths)
    assert state.names is not None and state.speller is not None
    assert "osce" in state.speller.words
    demo.search(SearchRequest(q="osce"))
    assert demo._state is state


def test_threads_searching_one_state_read_whole_postings(tmp_path: Path) -> None:
    """Whoosh readers share file positions: concurrent reads must not interleave."""
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", [synthetic_article(n, words=120) for n in range(400)])
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    core = SearchCore(LiveIndex(location))
    words = sorted({w.lower() for n in range(40) for w in synthetic_article(n)["title"].split()})
    failures: list[BaseException] = []

    def searching(offset: int) -> None:
        try:
            for round_ in range(3):
                for i, word in enumerate(words[offset::3]):
                    q = f'"{word} {words[i % len(words)]}"' if round_ == 1 else f"{word}*"
                    result = core.search(SearchRequest.from_params({"q": q}))
                    for hit in result.hits[:3]:
                        assert core.article(hit.id) is not None
        except BaseException as exc:  # any failure fails the test
            failures.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=searching, args=(k,)) for k in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
        core.close()
    assert not failures, failures[:3]


def test_suggestions_find_names_by_any_word_and_list_each_title_once(tmp_path: Path) -> None:
    def article(n: int, title: str, **entities: list[str]) -> dict[str, object]:
        return synthetic_article(n) | {"title": title, "entities": entities}

    corpus = tmp_path / "corpus"
    write_jsonl(
        corpus / "a.jsonl",
        [
            article(1, "Japan trade talks", place=["Japan"], organization=["Bank of Japan"]),
            article(2, "Japan trade talks", place=["Japan"], organization=["Bank of Japan"]),
            article(3, "Japan trade talks", place=["Japan"], person=["James Baker"]),
            article(4, "Jakarta floods", place=["Jakarta"]),
        ],
    )
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus, entities=False)
    core = SearchCore(LiveIndex(location))
    try:
        got = [(s.value, s.type, s.count) for s in core.suggest("ja", limit=8)]
        # Entities by how often they are named (by any word of the name), then titles, once each.
        assert got[:4] == [
            ("Japan", "place", 3),
            ("Bank of Japan", "organization", 2),
            ("Jakarta", "place", 1),
            ("James Baker", "person", 1),
        ]
        titles = [value for value, kind, _ in got[4:]]
        assert sorted(titles) == ["Jakarta floods", "Japan trade talks"]
        # Several words: titles with words starting with each (no entity is named so).
        assert [s.value for s in core.suggest("jap trade")] == ["Japan trade talks"]
        assert core.suggest("zz") == [] and core.suggest(" j ") == []
    finally:
        core.close()


def test_the_shared_posting_cache_is_bounded_by_entries_too() -> None:
    """Words absent from a segment leave empty entries; they count toward the budget."""
    cache = PostingCache(budget=ENTRY_POSTINGS * 10)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
    for n in range(100):
        cache.put((("segment", 5), "body_en", "postings", f"word{n}"), empty)
    assert len(cache._entries) == 10
    cache.put((("segment", 5), "body_en", "postings", "common"), (np.arange(50), np.ones(50)))
    assert cache.get((("segment", 5), "body_en", "postings", "common")) is not None
    assert cache._held <= cache.budget + 50 + ENTRY_POSTINGS
    cache.keep_only({("other", 1)})
    assert not cache._entries and cache._held == 0


# -- prefixes and fuzzy words: expansion and its budget (issue 13, #12) ------------------

# `ab* OR ac* OR ... OR do*`: the 12-second query.
THIRTY_PREFIXES = (
    "ab* OR ac* OR ad* OR af* OR ag* OR al* OR am* OR an* OR ap* OR ar* OR as* OR at* OR au* "
    "OR ba* OR be* OR bi* OR bo* OR br* OR bu* OR ca* OR ce* OR ch* OR cl* OR co* OR cr* OR cu* "
    "OR da* OR de* OR di* OR do*"
)


def _sample_words(reader: object, fieldname: str, count: int) -> list[str]:
    """Every n-th word of the field (letters only, 4 to 10 of them): a spread sample."""
    words = [
        word
        for word in (t.decode("utf-8") for t in reader.lexicon(fieldname))  # type: ignore[attr-defined]
        if word.isalpha() and 4 <= len(word) <= 10
    ]
    step = max(1, len(words) // count)
    return words[::step][:count]


def test_prefix_wildcard_and_fuzzy_expansions_are_whooshs(reuters: SearchCore) -> None:
    """The in-memory word lists find the words Whoosh's own expansion finds, in its order,
    and count their postings as Whoosh's document frequencies do."""
    with reuters._using() as state:
        reader = state.searcher.reader()
        # Over several segments Whoosh expands by its documented IndexReader methods.
        assert len(reader.leaf_readers()) > 1
        compared = 0
        for fieldname in ("body_en", "title_en"):
            for word in _sample_words(reader, fieldname, 60):
                typo = word[:2] + word[3:] + word[2]  # a letter moved to the end
                queries = [
                    FuzzyTerm(fieldname, word, maxdist=1, prefixlength=1),
                    FuzzyTerm(fieldname, typo, maxdist=2, prefixlength=1),
                    FuzzyTerm(fieldname, word[::-1], maxdist=2, prefixlength=2),
                    Prefix(fieldname, word[:3]),
                    Wildcard(fieldname, f"{word[:2]}*{word[-1]}"),
                ]
                for query in queries:
                    expected = [_text(t) for t in query._btexts(reader)]
                    found = state.lexicon.expand(query)
                    assert list(found.words) == expected, query
                    assert found.postings == sum(
                        reader.doc_frequency(fieldname, w) for w in expected
                    ), query
                    compared += bool(expected)
        assert compared > 300

        # And a search with them finds and scores what Whoosh finds with its words.
        # (Whoosh's own matchers expand per segment, by another definition: see
        # indexer.embedded.search.lexicon; the engine has always expanded over the whole index.)
        def whooshs_words(leaf: Query) -> Query:
            if isinstance(leaf, MultiTerm):
                words = [Term(leaf.fieldname, w, boost=leaf.boost) for w in leaf._btexts(reader)]
                return Or(words)
            return leaf

        for q in ("cofee~", "cocoa~2 OR petrol*", "export* -coffee", "braz~2 title:cof*"):
            query, _ = parse_text_query(q, state.searcher.schema, SEARCH_FIELDS, BOOSTS)
            assert query is not None
            mask, scores = evaluate(prune(query, reader), state.postings)
            hits = state.searcher.search(query.accept(whooshs_words), limit=None)
            expected = {hit.docnum: hit.score for hit in hits}
            assert expected, q
            assert set(mask.nonzero()[0].tolist()) == set(expected), q
            for docnum, score in expected.items():
                assert scores[docnum] == pytest.approx(score, rel=1e-6), q


def test_thirty_fresh_fuzzy_words_are_answered_within_the_budget(reuters: SearchCore) -> None:
    with reuters._using() as state:
        words = _sample_words(state.searcher.reader(), "body_en", 400)[-30:]
    assert len(words) == 30
    q = " OR ".join(f"{word}~2" for word in words)
    started = time.monotonic()
    result = run(reuters, q=q)
    # A backstop against a hang only; the work is counted below.
    assert time.monotonic() - started < 120
    assert result.total > 0 and result.notice is None
    with reuters._using() as state:
        pruned = reuters._parse(state, q).pruned
        assert pruned is not None
        cost = state.lexicon.cost(pruned)
    assert 30 <= cost.terms <= MAX_EXPANDED_TERMS
    assert cost.postings <= MAX_EXPANDED_POSTINGS


def test_a_query_over_the_expansion_budget_is_refused_naming_the_limit(
    reuters: SearchCore,
) -> None:
    with pytest.raises(RequestError) as refused:
        run(reuters, q=THIRTY_PREFIXES)
    assert refused.value.param == "q"
    assert f"more than {MAX_EXPANDED_TERMS:,} indexed words" in refused.value.message
    with pytest.raises(RequestError):
        reuters.match(SearchRequest.from_params({"q": THIRTY_PREFIXES}))
    # The same index with a budget of few postings: refused before any posting list is read.
    small = SearchCore(reuters.live, budget=Budget(terms=MAX_EXPANDED_TERMS, postings=1000))
    try:
        assert run(small, q="cocoa").total > 0
        read = len(small._shared.postings._entries)
        with pytest.raises(RequestError) as refused:
            run(small, q="co* cocoa")
        assert refused.value.param == "q"
        assert "more than 1,000 postings" in refused.value.message
        assert len(small._shared.postings._entries) == read
        # A narrow prefix is within it, and the refused query does not stop the next.
        assert run(small, q="cocoa*").total > 0
    finally:
        small.close()


def _text(term: object) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
