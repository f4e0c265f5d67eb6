"""Highlighting: query terms per language group, marked titles and snippets, escaping."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index, qparser
from whoosh.query import Every, MultiTerm, Query, Term
from whoosh.searching import Searcher

from indexer.embedded.index.schema import (
    FALLBACK,
    PROSE_FIELDS,
    TEXT_LANGUAGES,
    analyzer_for,
    build_schema,
    text_field,
    to_document,
)
from indexer.embedded.search.highlight import Highlighted, highlight, query_terms
from indexer.embedded.search.lexicon import Lexicon
from indexer.ingest.article import make_article

FIELDS = [text_field(name, group) for group in (*TEXT_LANGUAGES, FALLBACK) for name in PROSE_FIELDS]
SCHEMA = build_schema()

FILLER = "The delegates met again in the conference hall to discuss the agenda. "


def parse(text: str) -> Query:
    parser = qparser.MultifieldParser(FIELDS, SCHEMA, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser.parse(text)


def terms(text: str) -> dict[str, frozenset[str]]:
    return query_terms(parse(text))


# query_terms


def test_query_terms_are_analysed_per_language_group() -> None:
    assert terms("elections") == {
        "en": frozenset({"elect"}),
        "de": frozenset({"election"}),
        "xx": frozenset({"elections"}),
    }


def test_query_terms_of_no_query_are_empty() -> None:
    assert query_terms(None) == {}
    assert query_terms(Every()) == {}


@pytest.mark.parametrize(
    "text", ["osce NOT vienna", "osce ANDNOT vienna", "osce NOT (vienna OR iaea)"]
)
def test_query_terms_leave_out_negated_terms(text: str) -> None:
    assert terms(text) == {
        "en": frozenset({"osc"}),
        "de": frozenset({"osc"}),
        "xx": frozenset({"osce"}),
    }


def test_query_terms_take_phrase_words_and_only_prose_fields() -> None:
    query = parse('"Security Review"') & Term("person", "Antonio Guterres")
    assert query_terms(query)["en"] == frozenset({"secur", "review"})


def test_query_terms_without_a_searcher_cannot_expand_a_prefix() -> None:
    assert terms("elect*") == {}
    assert terms("Osmanni~")["xx"] == frozenset({"osmanni"})


# highlight: stems, folding, word boundaries


def test_stem_aware_english() -> None:
    result = highlight(
        "Elections in Kosovo",
        "The election was won by the party that has been elected twice.",
        "Electoral officials counted through the night.",
        "en",
        terms("elections"),
    )
    assert result == Highlighted(
        title_html="<mark>Elections</mark> in Kosovo",
        snippet_html="The <mark>election</mark> was won by the party that has been "
        "<mark>elected</mark> twice.",
        matched=True,
    )


def test_german_stems_and_folds() -> None:
    result = highlight(
        "Österreichs Außenministerin in Wien",
        "Die Aussenministerin sprach über Österreich.",
        "",
        "de",
        terms("Osterreich Außenministerin"),
    )
    assert result.title_html == "<mark>Österreichs</mark> <mark>Außenministerin</mark> in Wien"
    assert result.snippet_html == (
        "Die <mark>Aussenministerin</mark> sprach über <mark>Österreich</mark>."
    )


def test_other_languages_are_folded_not_stemmed() -> None:
    result = highlight("Élections à Genève", "Les élections.", "", "fr", terms("elections"))
    assert result.title_html == "<mark>Élections</mark> à Genève"
    assert result.snippet_html == "Les <mark>élections</mark>."


def test_only_whole_words_are_marked() -> None:
    result = highlight("Elect electoral U.S.A U.S", "", "x", "en", terms("elect U.S"))
    assert result.title_html == "<mark>Elect</mark> electoral U.S.A <mark>U.S</mark>"


def test_adjacent_marks_are_not_merged() -> None:
    result = highlight("OSCE Security Review", "", "x", "en", terms("security review"))
    assert result.title_html == "OSCE <mark>Security</mark> <mark>Review</mark>"


@pytest.mark.parametrize("group", ["en", "de", "xx"])
def test_matches_are_the_tokens_of_the_whoosh_analyzer(group: str) -> None:
    text = (
        "U.S.-led talks (Reuters) on the elections: Österreich's Außenministerin, "
        "e-mail foo_bar 3.5% v1.2.3 ...the end. Straße STRASSE ünd élections.\n\nElected!"
    )
    # Whoosh reuses one Token object: copy what it says as it goes.
    analyzer = analyzer_for(group)
    tokens = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True)]
    # Stop words are marked only beside another word: see the tests below.
    wanted = frozenset(term for term, _, _ in tokens[::3] if not analyzer.is_stop(term))
    expected, pos = [], 0
    for term, start, end in tokens:
        if term in wanted:
            expected.append(html.escape(text[pos:start]))
            expected.append(f"<mark>{html.escape(text[start:end])}</mark>")
            pos = end
    expected.append(html.escape(text[pos:]))
    # Twice: the first call analyses the words, the second finds them cached.
    for _ in range(2):
        assert highlight(text, "", "x", group, {group: wanted}).title_html == "".join(expected)


# highlight: escaping


def test_stop_words_are_marked_only_beside_another_word_of_the_query() -> None:
    text = "Of 50 mln dlrs of debt, half is of no concern; dlrs, of course."
    marked = highlight(text, "", "x", "en", terms('"dlrs of debt"')).title_html
    assert marked == (
        "Of 50 mln <mark>dlrs</mark> <mark>of</mark> <mark>debt</mark>, half is of no "
        "concern; <mark>dlrs</mark>, <mark>of</mark> course."
    )
    marked = highlight("Rebels controlled our town", "", "x", "en", terms("controlled our"))
    assert marked.title_html == "Rebels <mark>controlled</mark> <mark>our</mark> town"
    # A run of stop words alone is not marked.
    marked = highlight("All of the talks; the debt", "", "x", "en", terms("all of the debt"))
    assert marked.title_html == "All of the talks; <mark>the</mark> <mark>debt</mark>"


def test_a_query_of_stop_words_alone_marks_each_of_them() -> None:
    marked = highlight("What they had, and had not", "", "x", "en", terms("had"))
    assert marked.title_html == "What they <mark>had</mark>, and <mark>had</mark> not"
    marked = highlight("The Who, who else", "", "x", "en", terms('"The Who"'))
    assert marked.title_html == "<mark>The</mark> <mark>Who</mark>, <mark>who</mark> else"


def test_html_in_the_title_is_escaped() -> None:
    result = highlight("<img src=x onerror=alert(1)>", "A lead.", "", "en", terms("img"))
    assert result.title_html == "&lt;<mark>img</mark> src=x onerror=alert(1)&gt;"


def test_html_in_the_text_is_escaped() -> None:
    result = highlight(
        "Title",
        "",
        "Before <script>alert(\"img\")</script> & 'img' after.",
        "en",
        terms("img"),
    )
    assert result.snippet_html == (
        "Before &lt;script&gt;alert(&quot;<mark>img</mark>&quot;)&lt;/script&gt; "
        "&amp; &#x27;<mark>img</mark>&#x27; after."
    )


def test_html_is_escaped_without_a_query() -> None:
    result = highlight("<b>Bold</b>", "<i>lead</i> & more", "", "en", {})
    assert result == Highlighted(
        "&lt;b&gt;Bold&lt;/b&gt;", "&lt;i&gt;lead&lt;/i&gt; &amp; more", False
    )


# highlight: snippets


def test_a_match_past_40000_characters_is_found() -> None:
    body = FILLER * 600 + "Inspectors of the IAEA arrived at the plant. " + FILLER * 3
    assert len(body) > 40_000
    result = highlight("Talks", "", body, "en", terms("iaea"))
    assert result.matched
    assert result.snippet_html == (
        "…The delegates met again in the conference hall to discuss the agenda. Inspectors of "
        "the <mark>IAEA</mark> arrived at the plant. The delegates met again in the conference "
        "hall to discuss the agenda. The delegates…"
    )


def test_two_snippets_with_ellipses_best_first_shown_in_text_order() -> None:
    body = "\n\n".join(
        [
            FILLER * 3,
            "A ministerial meeting on drugs was held in Vienna.",
            FILLER * 6,
            "The OSCE and the UNODC met in Vienna on drugs and crime.",
            FILLER * 6,
        ]
    )
    result = highlight("Title", "No match here.", body, "en", terms("osce OR drugs OR vienna"))
    assert result.snippet_html == (
        "…met again in the conference hall to discuss the agenda. A ministerial meeting on "
        "<mark>drugs</mark> was held in <mark>Vienna</mark>. The delegates met again in the "
        "conference hall to discuss the agenda. The delegates … The delegates met again in the "
        "conference hall to discuss the agenda. The <mark>OSCE</mark> and the UNODC met in "
        "<mark>Vienna</mark> on <mark>drugs</mark> and crime. The delegates met again in the "
        "conference hall to discuss the…"
    )


def test_lead_comes_first_when_it_matches() -> None:
    body = FILLER * 10 + "Vienna hosted the OSCE. " + FILLER * 10
    result = highlight("Title", "OSCE talks in Vienna.", body, "en", terms("osce vienna"))
    assert result.snippet_html == (
        "<mark>OSCE</mark> talks in <mark>Vienna</mark>. … The delegates met again in the "
        "conference hall to discuss the agenda. <mark>Vienna</mark> hosted the <mark>OSCE</mark>. "
        "The delegates met again in the conference hall to discuss the agenda. The delegates met "
        "again in…"
    )


def test_a_snippet_starts_with_a_sentence_when_one_starts_near_the_cut() -> None:
    body = "Talks opened. The OSCE met in Vienna."
    assert highlight("T", "", body, "en", terms("vienna")).snippet_html == (
        "Talks opened. The OSCE met in <mark>Vienna</mark>."
    )
    body = "Talks opened in the hall of the building on the river. The OSCE met in Vienna. " * 2
    assert highlight("T", "", body, "en", terms("osce"), snippets=1, size=60).snippet_html == (
        "…The <mark>OSCE</mark> met in Vienna. Talks opened in the hall of the…"
    )


def test_odd_texts() -> None:
    assert highlight("", "", "", "en", terms("vienna")) == Highlighted("", "", False)
    assert highlight("T", " \n ", "Body  text.", "en", {}).snippet_html == "Body text."
    long_word = "x" * 300 + "vienna"
    result = highlight("T", "", f"{long_word} Vienna", "en", terms("vienna"), size=50)
    assert result.snippet_html.endswith(" <mark>Vienna</mark>")


def test_one_snippet_when_asked() -> None:
    body = "Vienna talks. " + FILLER * 10 + "Vienna again."
    result = highlight("Title", "", body, "en", terms("vienna"), snippets=1, size=40)
    assert result.snippet_html == "<mark>Vienna</mark> talks. The delegates met again in…"


def test_empty_query_gives_the_lead() -> None:
    result = highlight("Elections", "A short lead.", "The body.", "en", {})
    assert result == Highlighted("Elections", "A short lead.", False)


def test_empty_query_trims_a_long_lead_at_a_word_boundary() -> None:
    result = highlight("Title", FILLER * 4, "The body.", "en", {}, size=50)
    assert result.snippet_html == "The delegates met again in the conference hall to…"


def test_empty_query_without_lead_gives_the_start_of_the_body() -> None:
    body = "First paragraph of the body.\n\nSecond paragraph, which is long enough to be cut."
    result = highlight("Title", "", body, "en", {}, size=60)
    assert result.snippet_html == "First paragraph of the body. Second paragraph, which is…"


def test_a_title_match_alone_gives_the_lead() -> None:
    result = highlight("Vienna talks", "A lead.", "A body.", "en", terms("vienna"))
    assert result == Highlighted("<mark>Vienna</mark> talks", "A lead.", True)


def test_no_match_is_not_matched() -> None:
    result = highlight("Title", "A lead.", "A body.", "en", terms("vienna"))
    assert result == Highlighted("Title", "A lead.", False)


def test_negated_terms_are_not_marked() -> None:
    result = highlight("OSCE in Vienna", "", "x", "en", terms("osce NOT vienna"))
    assert result.title_html == "<mark>OSCE</mark> in Vienna"


# Prefix and fuzzy queries expand to the terms of a real index.


def _article(n: int, title: str, body: str) -> dict[str, Any]:
    return {
        "id": f"a{n}",
        "title": title,
        "body": [body],
        "published": "2024-03-01T10:00:00+01:00",
        "language": "en",
    }


@pytest.fixture()
def searcher(tmp_path: Path) -> Iterator[Searcher]:
    ix = index.create_in(str(tmp_path), build_schema())
    writer = ix.writer()
    for n, (title, body) in enumerate(
        [
            ("Electoral reform", "The elections were held in spring; Osmani was elected."),
            ("Vienna talks", "Delegates discussed the electricity grid."),
        ]
    ):
        doc = to_document(make_article(_article(n, title, body)), file="x")
        writer.add_document(**doc)
    writer.commit()
    with ix.searcher() as s:
        yield s
    ix.close()


def _words_of(searcher: Searcher) -> Callable[[MultiTerm], tuple[str, ...]]:
    """What the search core expands a prefix or fuzzy term to: the index's word lists."""
    lexicon = Lexicon(searcher.reader())
    return lambda leaf: lexicon.expand(leaf).words


def test_prefix_query_expands_to_indexed_terms(searcher: Searcher) -> None:
    found = query_terms(parse("elect*"), expand=_words_of(searcher))
    assert found == {"en": frozenset({"elect", "elector", "electr"})}
    result = highlight(
        "Electoral reform",
        "",
        "The elections were held in spring; Osmani was elected. Not: select.",
        "en",
        found,
    )
    assert result.title_html == "<mark>Electoral</mark> reform"
    assert result.snippet_html == (
        "The <mark>elections</mark> were held in spring; Osmani was <mark>elected</mark>. "
        "Not: select."
    )


def test_fuzzy_query_expands_to_indexed_terms(searcher: Searcher) -> None:
    found = query_terms(parse("Osmanni~"), expand=_words_of(searcher))
    assert found == {"en": frozenset({"osmani"})}
    result = highlight("Title", "Osmani was elected.", "", "en", found)
    assert result.snippet_html == "<mark>Osmani</mark> was elected."


def test_negated_prefix_is_not_expanded(searcher: Searcher) -> None:
    assert query_terms(parse("vienna NOT elect*"), expand=_words_of(searcher)) == {
        "en": frozenset({"vienna"}),
        "de": frozenset({"vienna"}),
        "xx": frozenset({"vienna"}),
    }


@pytest.mark.parametrize(
    "body",
    [
        # The word's chunks between spaces, at a line start and end, and
        # inside other chunks (`precocoa`, `cocoa-led`) where it is no chunk.
        "Cocoa\nprices rose. precocoa growers said cocoa, not (cocoa) or cocoa-led\ttrade\ncocoa",
        # A body seen first with other words marked, then with these.
        "Growers sold cocoa and coffee; the cocoa crop was late.",
    ],
)
def test_a_text_seen_before_is_marked_as_it_was_the_first_time(body: str) -> None:
    # The second time, its chunks are known and only the query's are looked for.
    first = highlight("Cocoa prices", "", body, "en", terms("cocoa"))
    highlight("Coffee", "", body, "en", terms("coffee"))
    again = highlight("Cocoa prices", "", body, "en", terms("cocoa"))
    assert again == first
    assert first.snippet_html.count("<mark>") == body.lower().count("cocoa") - ("precocoa" in body)
