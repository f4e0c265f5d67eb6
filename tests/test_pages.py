"""The HTML pages through Starlette's TestClient, on the demo archive (plus hostile articles).

The browser tests (tests/browser/) drive the same pages in Chromium; these
check what the server sends: counts, links that carry the state, escaping.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import pytest
from demo_site import XSS_QUERY, XSS_TITLE
from starlette.testclient import TestClient

from indexer.archive.request import SearchRequest
from indexer.archive.results import FacetValue, SearchResult
from indexer.settings import Settings
from webapp import search_page
from webapp.app import create_app
from webapp.pages import describe_archive

SKOPJE = "2023-11-30-osce-ministerial-council-opens-in-skopje"


@pytest.fixture(scope="module")
def client(pages_site: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(pages_site), raise_server_exceptions=False) as client:
        yield client


def links(page: str, css_class: str) -> list[tuple[str, str]]:
    """(href, text) of the links with a class, text without tags."""
    found = re.findall(rf'<a class="{css_class}[^"]*" href="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    return [(html.unescape(href), _text(inner)) for href, inner in found]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def count_of(page: str) -> str:
    match = re.search(
        r'<p id="count" class="count" role="status" aria-live="polite">(.*?)</p>', page
    )
    assert match, "the result count is in a polite live region"
    return html.unescape(match.group(1))


def test_home(client: TestClient) -> None:
    page = client.get("/").text
    assert page.count('role="search"') == 1
    assert "Search 68 news articles" in page
    assert "Recent articles" in page
    assert '<a href="/search?section=Organizations">Organizations</a>' in page
    assert '<a href="/entities/organization/OSCE">OSCE</a>' in page
    assert '<a href="/entities/place/Vienna">Vienna</a>' in page
    twin = "/api/search?sort=newest&amp;per_page=8"
    assert f'<link rel="alternate" type="application/json" href="{twin}" data-twin="json">' in page


def test_the_home_page_says_what_the_archive_holds(client: TestClient) -> None:
    page = client.get("/").text
    # Nothing about any one archive is written in the template: its years and languages.
    assert '<p class="hero-sub">News from 2018 to 2026, in English and German.</p>' in page
    assert "<title>Vindex – search the news archive</title>" in page
    assert '<span aria-hidden="true" class="logo">V</span>Vindex</a>' in page


def test_the_archive_is_named_and_described_by_its_settings(pages_site: Settings) -> None:
    settings = replace(pages_site, title="Wiener Archiv", description="Vienna's news & views.")
    with TestClient(create_app(settings)) as named:
        home = named.get("/").text
        assert "<title>Wiener Archiv – search the news archive</title>" in home
        assert '<span aria-hidden="true" class="logo">W</span>Wiener Archiv</a>' in home
        assert '<p class="hero-sub">Vienna&#39;s news &amp; views.</p>' in home
        assert '<meta name="description" content="Vienna&#39;s news &amp; views.">' in home
        assert "<title>How to search – Wiener Archiv</title>" in named.get("/help").text


def test_describe_archive_names_years_and_languages() -> None:
    def result(years: list[str], languages: list[str]) -> SearchResult:
        return SearchResult(
            request=SearchRequest(),
            total=1,
            hits=[],
            facets={
                "year": [FacetValue(y, 1) for y in years],
                "language": [FacetValue(code, 1) for code in languages],
            },
            facet_distinct={},
            took_ms=0.0,
        )

    assert describe_archive(result(["1987"], ["en"])) == "News from 1987, in English."
    assert (
        describe_archive(result(["2026", "2019"], ["de", "en", "fr"]))
        == "News from 2019 to 2026, in German, English and French."
    )
    assert describe_archive(result([], [])) == ""


def test_the_icon_is_linked_and_answered_at_favicon_ico(client: TestClient) -> None:
    page = client.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content == client.get("/static/favicon.svg").content
    assert icon.content.startswith(b"<svg ")


def test_search_osce_highlights_and_facets(client: TestClient) -> None:
    page = client.get("/search", params={"q": "OSCE"}).text
    assert count_of(page) == "19 articles matching “OSCE”"
    assert "<mark>OSCE</mark> Ministerial Council Opens in Skopje" in page
    for group in ("section", "person", "organization", "place", "language"):
        assert f'id="facet-{group}"' in page
    assert "Articles by year" in page, "the year facet is the date histogram"
    facet = dict((text.rsplit(" ", 2)[0], href) for href, text in links(page, "facet-value"))
    assert params(facet["Organizations"]) == [("q", "OSCE"), ("section", "Organizations")]
    assert params(facet["Helga Maria Schmid"]) == [("q", "OSCE"), ("person", "Helga Maria Schmid")]
    # Long lists: five in view, the rest behind a disclosure, and a link to all of them.
    assert '15 more<span class="visually-hidden"> people</span></summary>' in page
    assert "All 23 organizations" in page
    assert 'class="json-twin" href="/api/search?q=OSCE"' in page
    feed = 'type="application/atom+xml" title="Feed of this search" href="/search.atom?q=OSCE"'
    assert feed in page
    assert 'href="/search?q=OSCE&amp;page=2" data-key="page:2"' in page
    assert 'href="/search?q=OSCE&amp;sort=newest" data-key="sort:Newest"' in page
    assert 'href="/articles/' + SKOPJE + '?q=OSCE"' in page


def test_section_filter_narrows_and_shows_a_chip(client: TestClient) -> None:
    page = client.get("/search", params={"q": "OSCE", "section": "Organizations"}).text
    assert count_of(page) == "10 articles matching “OSCE” in Organizations"
    chips = links(page, "chip")
    assert chips == [("/search?q=OSCE", "Section: Organizations × (remove this filter)")]
    selected = [text for _, text in links(page, "facet-value is-selected")]
    assert selected == ["Organizations 10 articles, selected: remove"]
    # Disjunctive: the other sections keep their counts, so a second can be added.
    diplomacy = next(
        href for href, text in links(page, "facet-value") if text.startswith("Diplomacy")
    )
    assert params(diplomacy) == [
        ("q", "OSCE"),
        ("section", "Organizations"),
        ("section", "Diplomacy"),
    ]


def test_date_histogram_narrows_to_a_year_then_a_month(client: TestClient) -> None:
    page = client.get("/search", params={"q": "OSCE"}).text
    bar = re.search(r'<a class="bar" href="([^"]*)" title="2024: 5 articles"', page)
    assert bar is not None
    year_url = html.unescape(bar.group(1))
    assert params(year_url) == [("q", "OSCE"), ("from", "2024"), ("to", "2024")]
    year = client.get(year_url).text
    assert count_of(year) == "5 articles matching “OSCE”, 2024"
    assert "Articles by month, 2024" in year
    assert ("/search?q=OSCE", "Date: 2024 × (remove this filter)") in links(year, "chip")
    month = re.search(r'<a class="bar" href="([^"]*)" title="September 2024: 2 articles"', year)
    assert month is not None
    assert params(html.unescape(month.group(1))) == [
        ("q", "OSCE"),
        ("from", "2024-09"),
        ("to", "2024-09"),
    ]


def test_a_short_span_is_counted_by_month(client: TestClient) -> None:
    # Skopje's two articles: November 2023 and January 2024, one bar a year said little.
    page = client.get("/search", params={"q": "skopje"}).text
    assert "Articles by month, 2023–2024" in page
    assert "Articles by year" not in page
    bars = re.findall(r'class="bar[^"]*"(?: href="([^"]*)")? title="([^"]*)"', page)
    assert [title for _, title in bars] == [
        "November 2023: 1 article",
        "December 2023: 0 articles",
        "January 2024: 1 article",
    ]
    assert params(html.unescape(bars[0][0])) == [
        ("q", "skopje"),
        ("from", "2023-11"),
        ("to", "2023-11"),
    ]
    assert bars[1][0] == "", "an empty month narrows to nothing"
    # A month chosen is one bar among the others, marked.
    chosen = client.get("/search", params={"q": "skopje", "from": "2023-11", "to": "2023-11"})
    assert chosen.text.count('<li class="bar-item is-selected">') == 1
    assert "Articles by month, 2023–2024" in chosen.text
    entity = client.get("/entities/place/Skopje").text
    assert "Articles per month, 2023–2024" in entity


def test_two_years_of_months_label_every_other_bar() -> None:
    request = SearchRequest(q="osce")
    drawn = search_page.month_histogram({"2023-01": 1, "2024-12": 2}, request, "Articles by month")
    assert drawn is not None
    assert drawn.title == "Articles by month, 2023–2024"
    assert len(drawn.bars) == 24
    assert [bar.label for bar in drawn.bars[:4]] == ["Jan", "", "Mar", ""]
    # An unlabelled bar's link says its whole name; a labelled one adds the year.
    assert drawn.bars[1].detail == "February 2023: 0 articles"
    assert drawn.bars[0].detail == " 2023: 1 article"
    assert [bar.key for bar in (drawn.bars[0], drawn.bars[12])] == ["2023-01", "2024-01"]
    assert [bar.level for bar in (drawn.bars[0], drawn.bars[1], drawn.bars[23])] == [10, 0, 20]


def test_no_results_helps(client: TestClient) -> None:
    page = client.get("/search", params={"q": "OSCE", "place": "Zanzibar"}).text
    assert count_of(page) == "0 articles matching “OSCE” from Zanzibar"
    assert "No articles found" in page
    assert 'Without the filters, “OSCE” finds <a href="/search?q=OSCE">19 articles</a>' in page
    assert 'href="/help"' in page


def test_nothing_found_and_nothing_chosen_offers_no_filters(client: TestClient) -> None:
    nothing = client.get("/search", params={"q": "zzzqqq"}).text
    assert "filters-toggle" not in nothing and "filters-jump" not in nothing
    narrowed = client.get("/search", params={"q": "OSCE", "place": "Zanzibar"}).text
    assert 'class="filters-toggle"' in narrowed, "a chosen filter can be taken back there"


def test_did_you_mean(client: TestClient) -> None:
    page = client.get("/search", params={"q": "Osmanni"}).text
    assert 'Did you mean <a href="/search?q=Osmani" data-key="suggestion">Osmani</a>?' in page


def test_syntax_fallback_is_a_notice_not_an_error(client: TestClient) -> None:
    page = client.get("/search", params={"q": '"unclosed osce'})
    assert page.status_code == 200
    assert 'class="notice"' in page.text


def test_article_marks_the_search_and_links_entities(client: TestClient) -> None:
    page = client.get(f"/articles/{SKOPJE}", params={"q": "skopje"}).text
    assert (
        '<h1 id="article-title">OSCE Ministerial Council Opens in <mark>Skopje</mark></h1>' in page
    )
    assert "The two-day meeting in <mark>Skopje</mark> concludes" in page
    assert '<a href="/search?q=skopje">Results for “skopje”</a>' in page
    assert (
        '<a class="entity entity-person" href="/entities/person/Bujar%20Osmani">Bujar Osmani</a>'
        in page
    )
    assert "Related articles" in page
    assert "also names Bujar Osmani; OSCE; North Macedonia, Russia, Ukraine" in page
    assert 'class="json-twin" href="/api/articles/' + SKOPJE + '"' in page
    plain = client.get(f"/articles/{SKOPJE}").text
    assert "<mark>" not in plain


def test_a_phrase_is_quoted_once(client: TestClient) -> None:
    # Issue 14 #8: the heading read Results for “"Ministerial Council"”.
    page = client.get("/search", params={"q": '"Ministerial Council"'}).text
    assert '<h1 id="search-title" tabindex="-1">Results for “Ministerial Council”</h1>' in page
    assert count_of(page).endswith(" matching “Ministerial Council”")
    assert "“&#34;" not in page and "&#34;”" not in page
    # Any other query keeps its own quotes, nested as single ones.
    mixed = client.get("/search", params={"q": '"Ministerial Council" OR skopje'}).text
    assert "Results for “‘Ministerial Council’ OR skopje”</h1>" in mixed
    assert count_of(mixed).endswith(" matching “‘Ministerial Council’ OR skopje”")
    article = client.get(f"/articles/{SKOPJE}", params={"q": '"Ministerial Council"'}).text
    assert '">Results for “Ministerial Council”</a></li>' in article
    assert "The words of your search “Ministerial Council” are <mark>marked</mark>." in article
    empty = client.get("/search", params={"q": '"Ministerial Council"', "place": "Zanzibar"}).text
    assert "Without the filters, “Ministerial Council” finds" in empty


def test_entity_page(client: TestClient) -> None:
    page = client.get("/entities/organization/OSCE").text
    assert "<h1>OSCE</h1>" in page
    assert (
        'Named in <a href="/search?organization=OSCE&amp;sort=newest">19 articles</a>, 2019–2026.'
        in page
    )
    assert "Articles per year" in page
    assert '<a href="/entities/person/Helga%20Maria%20Schmid">Helga Maria Schmid</a>' in page
    assert "Ignazio Cassis Presents Priorities of the Swiss OSCE Chairpersonship" in page
    assert 'class="json-twin" href="/api/entities/organization/OSCE"' in page
    # A hand-typed name in another case finds the same entity.
    assert "<h1>Vienna</h1>" in client.get("/entities/place/vienna").text
    missing = client.get("/entities/person/Nobody%20Known")
    assert missing.status_code == 404
    assert 'role="search"' in missing.text


def test_help_page(client: TestClient) -> None:
    page = client.get("/help").text
    assert "Query syntax" in page
    assert (
        '<a href="/search?q=%22ministerial+council%22"><code>"ministerial council"</code></a>'
        in page
    )


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/search?from=2023-13", 400, "from: not a date"),
        ("/search?page=0", 400, "page: must be between 1 and 10000"),
        # As the API answers /api/search?q=%ff: not searched for a replacement character.
        ("/search?q=%ff", 400, "q: not valid UTF-8 once percent-decoded"),
        ("/articles/no-such-article", 404, "No article with the id"),
        ("/no/such/page", 404, "Not Found"),
    ],
)
def test_error_pages_keep_the_search_box(
    client: TestClient, url: str, status: int, message: str
) -> None:
    page = client.get(url)
    assert page.status_code == status
    assert 'role="search"' in page.text
    assert message in page.text


def test_unreadable_parameters_are_never_searched_nor_shown(client: TestClient) -> None:
    bad = client.get("/search?q=vienna%ff&place=Vienna")
    assert bad.status_code == 400
    assert "\ufffd" not in bad.text
    # The article is still shown when the words that led to it cannot be read: unmarked.
    article = client.get(f"/articles/{SKOPJE}?q=skopje%ff")
    assert article.status_code == 200
    assert "OSCE Ministerial Council Opens in Skopje" in article.text
    assert "<mark>" not in article.text and "\ufffd" not in article.text
    # The box of an error page keeps what was typed, when it can be read.
    kept = client.get("/search?q=osce&from=2023-13")
    assert kept.status_code == 400
    assert 'name="q" type="search" value="osce"' in kept.text


def test_markup_in_articles_and_queries_is_text(client: TestClient) -> None:
    escaped_title = html.escape(XSS_TITLE, quote=True)
    pages = {
        "search": client.get("/search", params={"q": "zanzibarian"}).text,
        "article": client.get("/articles/hostile-title", params={"q": "zanzibarian"}).text,
        "entity": client.get("/entities/place/Zanzibar").text,
        "query": client.get("/search", params={"q": XSS_QUERY}).text,
        "filter": client.get("/search", params={"person": "<svg onload=alert(4)>"}).text,
    }
    for name, page in pages.items():
        assert "<script>alert" not in page, name
        assert "<img src=x" not in page, name
        assert "<svg onload" not in page, name
        assert "<b onmouseover" not in page, name
        assert "<i>Markup" not in page, name
        assert "<em>Evil" not in page, name
    assert escaped_title in pages["search"]
    assert escaped_title in pages["article"]
    assert escaped_title in pages["entity"]
    # The section "Tests > <i>Markup</i>" is a path of odd names, each escaped.
    assert '<span class="facet-label">Markup&lt;</span>' in pages["search"]
    assert "&lt;b onmouseover=alert(3)&gt;bold&lt;/b&gt; &amp; more." in pages["article"]
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in pages["query"]


def test_all_values_of_a_facet_open_in_place(client: TestClient) -> None:
    page = client.get("/search", params={"q": "OSCE", "more": "organization"}).text
    assert '<details class="facet-more" open>' in page
    assert "All 23 organizations" not in page
    assert page.count('data-key="organization:') == 23


def test_page_links_show_the_ends_and_the_neighbours() -> None:
    request = SearchRequest(q="x", page=7)
    links = search_page._page_links(request, 20)
    labels = [None if link is None else link.label for link in links]
    assert labels == ["1", None, "5", "6", "7", "8", "9", None, "20"]
    assert [link.label for link in links if link is not None and link.current] == ["7"]
    assert search_page._page_links(SearchRequest(), 1) == []


def test_selected_values_stay_in_view() -> None:
    values = [
        search_page.FacetLink(f"v{i}", f"v{i}", 10 - i, i == 7, f"/search?x={i}") for i in range(9)
    ]
    group = search_page.FacetGroup("person", "People", values, 9, None)
    assert [v.value for v in group.shown] == [f"v{i}" for i in range(8)]
    assert [v.value for v in group.hidden] == ["v8"]
