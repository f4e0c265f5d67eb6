"""Readable titles (issue 14 #9): wire headlines in capitals shown in headline case.

The case function on real Reuters-21578 headlines, then a site indexed from
a few of the real imported stories: every list and page shows the readable
title, and the article as stored keeps the original.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import feedparser
import pytest
from starlette.testclient import TestClient

from indexer.archive.titles import is_capitals, readable_title
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import shown_title
from indexer.embedded.index.store import IndexLocation
from indexer.ingest.importers import ImportSummary
from indexer.settings import Settings
from webapp.app import create_app

VOLCKER = "reuters-10136"
VOLCKER_TITLE = "VOLCKER REAFFIRMS G-6 NEGOTIATING PROCESS"
VOLCKER_SHOWN = "Volcker Reaffirms G-6 Negotiating Process"
STORIES = (VOLCKER, "reuters-854", "reuters-203", "reuters-122", "reuters-879")


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (VOLCKER_TITLE, VOLCKER_SHOWN),
        ("BAHIA COCOA REVIEW", "Bahia Cocoa Review"),
        (
            "LANDMARK BANCSHARES <LBC> TO BE LISTED ON NYSE",
            "Landmark Bancshares <LBC> to Be Listed on NYSE",
        ),
        (
            "U.S. M-1 MONEY SUPPLY RISES 2.1 BILLION DLRS IN FEB 16 WEEK, FED SAYS",
            "U.S. M-1 Money Supply Rises 2.1 Billion DLRS in Feb 16 Week, Fed Says",
        ),
        (
            "WHITTAKER CORP 1ST QTR OPER SHR 17 CTS VS 25 CTS",
            "Whittaker Corp 1ST QTR Oper SHR 17 CTS vs 25 CTS",
        ),
        ("OPEC OUTPUT IN MAY SEEN OVER CEILING", "OPEC Output in May Seen Over Ceiling"),
        (
            "EC AWARDS 123,000 TONNES BARLEY EXPORT LICENCES - TRADERS",
            "EC Awards 123,000 Tonnes Barley Export Licences - Traders",
        ),
        ("IMF SAYS NZ ECONOMY TO GROW", "IMF Says NZ Economy to Grow"),
        (
            "NORTHERN TELECOM PROPOSES TWO-FOR-ONE STOCK SPLIT",
            "Northern Telecom Proposes Two-for-One Stock Split",
        ),
        (
            "TREASURY'S BAKER SAYS NO CHANGE IN U.S. POLICY ON DOLLAR",
            "Treasury's Baker Says No Change in U.S. Policy on Dollar",
        ),
        (
            "CONT'L ILLINOIS SAYS DOESN'T AFFECT NET",
            "Cont'l Illinois Says Doesn't Affect Net",
        ),
        (
            "SUN RAISES CRUDE POSTINGS 50 CTS, WTI TO 17.50 dlrs/bbl",
            "Sun Raises Crude Postings 50 CTS, Wti to 17.50 dlrs/bbl",
        ),
        (
            "B.F. GOODRICH TO PHASE OUT SOME BUSINESSES, CUT STAFF BY 790",
            "B.F. Goodrich to Phase Out Some Businesses, Cut Staff by 790",
        ),
        ("GOLD/EXCHANGE CLOSING - U.K. 4TH QTR", "Gold/Exchange Closing - U.K. 4TH QTR"),
        ("THE ECONOMY IS STRONG, O'NEILL SAYS", "The Economy Is Strong, O'Neill Says"),
        ('BAKER TO MEET PRESS "VERY SOON"', 'Baker to Meet Press "Very Soon"'),
        ("U.S. SETS <GS> LTD DEAL", "U.S. Sets <GS> Ltd Deal"),
        ("<THORATEC LABORATORIES CORP> YEAR LOSS", "<Thoratec Laboratories Corp> Year Loss"),
    ],
)
def test_readable_title(title: str, shown: str) -> None:
    assert is_capitals(title)
    assert readable_title(title) == shown


@pytest.mark.parametrize(
    "title",
    [
        "CRA Ltd 1986 net profit 138.2 mln dlrs vs 87.8 mln",
        "OSCE Ministerial Council Opens in Skopje",
        "Tokyo stock index rises 63.48 points to 21,973.56 in first nine minutes",
        "EU",
        "",
    ],
)
def test_titles_not_in_capitals_are_left_alone(title: str) -> None:
    assert readable_title(title) == title


def test_shown_title_falls_back_to_the_title() -> None:
    assert shown_title({"title": "Osce", "display_title": "OSCE"}) == "OSCE"
    assert shown_title({"title": "Osce"}) == "Osce"
    assert shown_title({}) == ""


@pytest.fixture(scope="module")
def client(
    reuters_import: ImportSummary, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A site indexed from a few real Reuters stories, as the importer wrote them."""
    root = tmp_path_factory.mktemp("wire-titles")
    wanted = set(STORIES)
    lines = [
        line
        for path in reuters_import.files
        for line in path.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["id"] in wanted
    ]
    assert len(lines) == len(STORIES)
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    update_index(IndexLocation(root / "index"), corpus)
    settings = Settings(index=root / "index", corpus=corpus)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_hits_show_the_readable_title_with_words_marked(client: TestClient) -> None:
    hits = {hit["id"]: hit for hit in client.get("/api/search?q=volcker").json()["hits"]}
    assert hits[VOLCKER]["title"] == VOLCKER_SHOWN
    assert hits[VOLCKER]["title_html"] == "<mark>Volcker</mark> Reaffirms G-6 Negotiating Process"
    assert hits["reuters-854"]["title"] == "Regan Departure Makes 3RD Volcker Term Likely"
    mixed = client.get("/api/search?q=cra").json()["hits"][0]
    assert mixed["title"] == "CRA Ltd 1986 net profit 138.2 mln dlrs vs 87.8 mln"
    page = client.get("/search?q=volcker").text
    assert "<mark>Volcker</mark> Reaffirms G-6 Negotiating Process</a>" in page
    assert VOLCKER_TITLE not in page
    feed = feedparser.parse(client.get("/search.atom?q=volcker").content)
    assert VOLCKER_SHOWN in [entry.title for entry in feed.entries]


def test_article_page_shows_the_readable_title(client: TestClient) -> None:
    page = client.get(f"/articles/{VOLCKER}").text
    assert f'<h1 id="article-title">{VOLCKER_SHOWN}</h1>' in page
    assert f"<title>{VOLCKER_SHOWN} – Vindex</title>" in page
    marked = client.get(f"/articles/{VOLCKER}", params={"q": "negotiating"}).text
    assert '<h1 id="article-title">Volcker Reaffirms G-6 <mark>Negotiating</mark> Process' in marked
    # Related articles (they name Paul Volcker too) are listed by their readable titles.
    assert ">Fed Data Suggest Stable U.S. Monetary Policy</a>" in page
    assert VOLCKER_TITLE not in page


def test_the_stored_article_keeps_the_original(client: TestClient) -> None:
    answer = client.get(f"/api/articles/{VOLCKER}").json()
    assert answer["article"]["title"] == VOLCKER_TITLE
    assert answer["article"]["display_title"] == VOLCKER_SHOWN
    related = {r["id"]: r["title"] for r in answer["related"]}
    assert related["reuters-203"] == "Fed Data Suggest Stable U.S. Monetary Policy"
    exported = [
        json.loads(line) for line in client.get("/api/search.ndjson?q=volcker").iter_lines()
    ]
    assert VOLCKER_TITLE in {record["title"] for record in exported}
    assert all("display_title" not in record for record in exported)


def test_suggestions_show_the_readable_title(client: TestClient) -> None:
    suggestions = client.get("/api/suggest?q=reaffirms").json()["suggestions"]
    assert {"value": VOLCKER_SHOWN, "type": "title", "id": VOLCKER} in suggestions


def test_reuters_corpus_keeps_the_title_as_written(reuters_import: ImportSummary) -> None:
    path = next(p for p in reuters_import.files if p.name == "reuters-010.jsonl")
    records = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert next(r for r in records if r["id"] == VOLCKER)["title"] == VOLCKER_TITLE
