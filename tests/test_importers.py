"""The research-corpus importers, run on the real archives in ../shared/corpora."""

from __future__ import annotations

import re
import tarfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from indexer.ingest.article import Article
from indexer.ingest.corpus import read_file
from indexer.ingest.importers import (
    IMPORTERS,
    ImportFailed,
    ImportSummary,
    gnad,
    import_corpus,
    reuters,
)

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
REUTERS = CORPORA / "reuters21578"
BBC = CORPORA / "bbc-news"
GNAD = CORPORA / "10kgnad"


def read_articles(files: list[Path]) -> dict[str, Article]:
    """Every article of the files, read back by the corpus reader; no errors allowed."""
    articles: dict[str, Article] = {}
    for path in files:
        result = read_file(path)
        assert result.errors == ()
        articles.update((article.id, article) for article in result.articles)
    return articles


@pytest.fixture(scope="module")
def reuters_articles(reuters_import: ImportSummary) -> dict[str, Article]:
    return read_articles(reuters_import.files)


@pytest.fixture(scope="module")
def bbc_import(tmp_path_factory: pytest.TempPathFactory) -> ImportSummary:
    return import_corpus("bbc", BBC, tmp_path_factory.mktemp("bbc"))


@pytest.fixture(scope="module")
def gnad_import(tmp_path_factory: pytest.TempPathFactory) -> ImportSummary:
    return import_corpus("gnad", GNAD / "test.csv.gz", tmp_path_factory.mktemp("gnad"))


# Reuters-21578


def test_reuters_counts(reuters_import: ImportSummary) -> None:
    assert reuters_import.read == 21578
    assert reuters_import.written == 21577
    # NEWID 12793 is an empty TYPE="UNPROC" record.
    assert reuters_import.dropped == {"no title and no body": 1}
    assert [path.name for path in reuters_import.files] == [
        f"reuters-{number:03d}.jsonl" for number in range(22)
    ]
    assert all(path.stat().st_size < 20 * 1024 * 1024 for path in reuters_import.files)


def test_reuters_files_read_back_whole(
    reuters_import: ImportSummary, reuters_articles: dict[str, Article]
) -> None:
    assert len(reuters_articles) == reuters_import.written
    assert "reuters-12793" not in reuters_articles
    assert {article.source for article in reuters_articles.values()} == {"Reuters"}
    assert {article.language for article in reuters_articles.values()} == {"en"}


def test_reuters_first_story(reuters_articles: dict[str, Article]) -> None:
    article = reuters_articles["reuters-1"]
    assert article.title == "BAHIA COCOA REVIEW"
    assert article.published == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)
    assert article.published.isoformat() == "1987-02-26T15:01:01.790000+00:00"
    assert article.dateline == "SALVADOR, Feb 26 -"
    assert article.section == "Commodities > Softs > Cocoa"
    assert article.tags == ("Cocoa",)
    assert article.entities.place == ("El Salvador", "United States", "Uruguay")
    assert article.entities.person == article.entities.organization == ()
    assert len(article.body) == 17
    assert article.body[0].startswith("Showers continued throughout the week in the Bahia")
    assert article.body[1] == "The dry period means the temporao will be late this year."
    assert article.body[-1] == (
        "Final figures for the period to February 28 are expected to be published by the "
        "Brazilian Cocoa Trade Commission after carnival which ends midday on February 27."
    )


def test_reuters_entities_people_and_exchanges(reuters_articles: dict[str, Article]) -> None:
    fed = reuters_articles["reuters-203"]
    assert fed.entities.person == ("Paul Volcker",)
    assert fed.section == "Economy > Money Supply"
    listing = reuters_articles["reuters-122"]
    assert listing.title == "LANDMARK BANCSHARES <LBC> TO BE LISTED ON NYSE"
    assert listing.entities.organization == ("New York Stock Exchange",)
    assert listing.section == "General"
    assert listing.tags == ()


def test_reuters_later_topic_refines_section(reuters_articles: dict[str, Article]) -> None:
    # TOPICS grain, wheat, corn, barley, oat, sorghum: the section is the first
    # topic beneath "grain"; every topic is a tag.
    article = reuters_articles["reuters-5"]
    assert article.section == "Commodities > Grains > Wheat"
    assert article.tags == ("Grains", "Wheat", "Corn", "Barley", "Oats", "Sorghum")


def test_reuters_broken_time_keeps_the_date(reuters_articles: dict[str, Article]) -> None:
    # DATE is "31-MAR-1987 605:12:19.12" in the original.
    article = reuters_articles["reuters-17192"]
    assert article.published == datetime(1987, 3, 31, tzinfo=UTC)
    assert article.dateline == "HONG KONG, March 31 -"


def test_reuters_brief_and_unprocessed_stories(reuters_articles: dict[str, Article]) -> None:
    brief = reuters_articles["reuters-30"]
    title = "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK"
    assert brief.title == title
    assert brief.body == (title,)
    table = reuters_articles["reuters-99"]
    assert table.title == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert table.body[:2] == (
        "Two weeks ended Feb 25 daily avgs-mlns",
        "Net free reserves.............644 vs.....1,337",
    )


def test_reuters_headlines_are_whole(reuters_articles: dict[str, Article]) -> None:
    # Issue 14 #9: an unprocessed story's headline wraps like any line; the
    # title was its first line only ("VOLCKER REAFFIRMS G", from "G-6").
    volcker = reuters_articles["reuters-10136"]
    assert volcker.title == "VOLCKER REAFFIRMS G-6 NEGOTIATING PROCESS"
    assert volcker.body[0].startswith("WASHINGTON, March 26 - Federal Reserve Board Chairman")
    assert reuters_articles["reuters-4445"].title == (
        "SUN RAISES CRUDE POSTINGS 50 CTS, EFFECTIVE TODAY, WTI TO 17.50 dlrs/bbl"
    )
    assert reuters_articles["reuters-13081"].title == (
        "GENERAL MOTORS CANADA MARCH CAR SALES UP TO 38,520 UNITS FROM YEAR-AGO 34,209"
    )
    # The story runs on from its headline: it starts at the dateline.
    maize = reuters_articles["reuters-934"]
    assert maize.title == "ZIMBABWE MAIZE HARVEST LOWER AFTER BUMPER CROPS"
    assert maize.dateline == "HARARE, March 3 -"
    assert maize.body[0].startswith("Zimbabwe's maize crop in 1986/87 (April/ March) is likely")
    assert maize.body[1].startswith("Maize exports for 1986/87 to January 31, 1987 totalled")
    # A flash's marker and what stands before it are not part of the headline.
    assert reuters_articles["reuters-5420"].title == (
        "S/P DOWNGRADES DENMARK'S 17.6 BILLION U.S. DLRS OF LONG-TERM EXTERNAL DEBT"
    )
    assert reuters_articles["reuters-7004"].title == (
        "UK FEB ADJUSTED UNEMPLOYMENT FELL 44,100 TOTAL 3.07 MLN OR 11.1 PCT - OFFICIAL"
    )
    # A table's rows stay rows, its first line the title.
    rates = reuters_articles["reuters-13325"]
    assert rates.title == "BAHRAIN DOLLAR CROSS RATES OPG - APRIL 7 EMIRATES 3.6727/32"
    assert rates.body[0] == "BAHRAIN 0.37693/03 JORDAN 0.33640/00 KUWAIT 0.27300/10"
    # No story of the archive goes on with the rest of a word its title cut off.
    cut = [a.id for a in reuters_articles.values() if re.match(r"-\w", a.body[0])]
    assert cut == []


def test_reuters_text_has_no_wire_residue(reuters_articles: dict[str, Article]) -> None:
    for article in reuters_articles.values():
        text = article.text
        assert "&#" not in text and "&lt;" not in text and "&amp;" not in text, article.id
        last = article.body[-1]
        assert not last.endswith((" Reuter", " REUTER", "REUTER...")), article.id


@pytest.mark.parametrize(
    ("kind", "list_file", "count"),
    [
        ("places", "all-places-strings.lc.txt", 175),
        ("people", "all-people-strings.lc.txt", 267),
        ("orgs", "all-orgs-strings.lc.txt", 56),
        ("exchanges", "all-exchanges-strings.lc.txt", 39),
        ("topics", "all-topics-strings.lc.txt", 135),
    ],
)
def test_every_reuters_code_has_a_name(kind: str, list_file: str, count: int) -> None:
    with tarfile.open(REUTERS / "reuters21578.tar.gz", "r:gz") as tar:
        handle = tar.extractfile(list_file)
        assert handle is not None
        codes = {line.strip() for line in handle.read().decode("latin-1").splitlines()}
    codes.discard("")
    table = reuters.table(kind)
    assert len(codes) == count
    assert sorted(codes - table.keys()) == []
    assert sorted(table.keys() - codes) == []
    assert all(name and name == name.strip() for name in table.values())


def test_reuters_mapping_examples() -> None:
    assert reuters.name_of("places", "usa") == "United States"
    assert reuters.name_of("places", "west-germany") == "West Germany"
    assert reuters.name_of("places", "ussr") == "Soviet Union"
    assert reuters.name_of("people", "reagan") == "Ronald Reagan"
    assert reuters.name_of("orgs", "ec") == "European Community"
    assert reuters.name_of("orgs", "opec") == "OPEC"
    assert reuters.topic_path("crude") == "Energy > Crude Oil"
    assert reuters.topic_path("acq") == "Corporate > Mergers & Acquisitions"
    assert reuters.topic_name("money-fx") == "Foreign Exchange"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)),
        (" 2-JUN-1987 13:10:10.20", datetime(1987, 6, 2, 13, 10, 10, 200000, tzinfo=UTC)),
        (" 7-APR-1987 16:22:00.0", datetime(1987, 4, 7, 16, 22, tzinfo=UTC)),
        ("27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM", datetime(1987, 3, 27, 0, 2, 59, 130000, UTC)),
        ("31-MAR-1987 605:12:19.12", datetime(1987, 3, 31, tzinfo=UTC)),
        ("9-APR-1987 00:00:00.00    # date added by S Finch", datetime(1987, 4, 9, tzinfo=UTC)),
        ("no date", None),
    ],
)
def test_reuters_dates(value: str, expected: datetime | None) -> None:
    assert reuters.parse_date(value) == expected


def test_reuters_paragraphs_and_sign_off() -> None:
    text = "First line\ncontinued.\n    Second &lt;ABC> &amp; co.\n Reuter\n&#3;"
    assert reuters.paragraphs(text) == ["First line continued.", "Second <ABC> & co."]
    assert reuters.paragraphs("He told Reuters.\n") == ["He told Reuters."]
    assert reuters.paragraphs("Prices in ounces. REUTER\n&#3;") == ["Prices in ounces."]


# BBC News


def test_bbc_counts_and_sections(bbc_import: ImportSummary) -> None:
    assert (bbc_import.read, bbc_import.written, bbc_import.dropped) == (2225, 2225, {})
    articles = read_articles(bbc_import.files)
    assert len(articles) == 2225
    assert Counter(article.section for article in articles.values()) == {
        "Business": 510,
        "Entertainment": 386,
        "Politics": 417,
        "Sport": 511,
        "Technology": 401,
    }
    assert {article.published for article in articles.values()} == {
        datetime(2005, 1, 1, tzinfo=UTC)
    }


def test_bbc_story(bbc_import: ImportSummary) -> None:
    articles = read_articles(bbc_import.files)
    first = articles["bbc-business-001"]
    assert first.title == "Ad sales boost Time Warner profit"
    assert first.body[0].startswith("Quarterly profits at US media giant TimeWarner jumped 76%")
    assert (first.source, first.language, first.section) == ("BBC News", "en", "Business")
    # The one latin-1 file: its pound sign survives.
    mutu = articles["bbc-sport-199"]
    assert mutu.title == "Chelsea sack Mutu"
    assert "a £15.8m signing from Parma" in mutu.text


def test_bbc_import_is_deterministic_and_replaces_old_chunks(tmp_path: Path) -> None:
    first = import_corpus("bbc", BBC / "bbc-fulltext.tar.gz", tmp_path / "a", chunk_size=500)
    second = import_corpus("bbc", BBC, tmp_path / "b", chunk_size=500)
    assert [path.name for path in first.files] == [f"bbc-{n:03d}.jsonl" for n in range(5)]
    for one, two in zip(first.files, second.files, strict=True):
        assert one.read_bytes() == two.read_bytes()
    # Re-importing with bigger chunks leaves no stale chunk behind to duplicate articles.
    again = import_corpus("bbc", BBC, tmp_path / "a", chunk_size=1000)
    assert [path.name for path in again.removed] == ["bbc-003.jsonl", "bbc-004.jsonl"]
    assert sorted(path.name for path in (tmp_path / "a").iterdir()) == [
        "bbc-000.jsonl",
        "bbc-001.jsonl",
        "bbc-002.jsonl",
    ]


def test_progress_counts_every_document(tmp_path: Path) -> None:
    steps: list[int] = []
    summary = import_corpus("bbc", BBC, tmp_path, progress=steps.append)
    assert sum(steps) == summary.read == 2225


# 10kGNAD


def test_gnad_counts_and_sections(gnad_import: ImportSummary) -> None:
    assert (gnad_import.read, gnad_import.written, gnad_import.dropped) == (1028, 1028, {})
    articles = read_articles(gnad_import.files)
    assert len(articles) == 1028
    assert Counter(article.section for article in articles.values()) == {
        "Web": 168,
        "Panorama": 168,
        "International": 151,
        "Wirtschaft": 141,
        "Sport": 120,
        "Inland": 102,
        "Etat": 67,
        "Wissenschaft": 57,
        "Kultur": 54,
    }
    assert all(len(article.title) <= 121 for article in articles.values())


def test_gnad_article(gnad_import: ImportSummary) -> None:
    article = read_articles(gnad_import.files)["gnad-1"]
    subheadline = (
        'Die Gewerkschaft GPA-djp lanciert den "All-in-Rechner" und findet, dass die '
        "Vertragsform auf die Führungsebene beschränkt gehört"
    )
    assert article.title == (
        'Die Gewerkschaft GPA-djp lanciert den "All-in-Rechner" und findet, dass die '
        "Vertragsform auf die Führungsebene…"
    )
    assert article.lead == subheadline
    assert article.dateline == "Wien"
    assert article.body[0].startswith("Die Gewerkschaft GPA-djp sieht Handlungsbedarf")
    assert len(article.body) == 6
    assert (article.section, article.source, article.language) == (
        "Wirtschaft",
        "DER STANDARD",
        "de",
    )
    assert article.published.isoformat() == "2016-01-01T00:00:00+01:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kurz. Wien – Text folgt.", ("Kurz", "Wien", "Text folgt.")),
        ("Ab 6. März im Kino. Berlin/Wien – Text.", ("Ab 6. März im Kino", "Berlin/Wien", "Text.")),
        ("Nach St. Petersburg. St. Pölten - Text.", ("Nach St. Petersburg", "St. Pölten", "Text.")),
        (
            "John W. Kluge Preis vergeben. Der Preis geht an X.",
            ("John W. Kluge Preis vergeben", "", "Der Preis geht an X."),
        ),
        ("Nur eine Zeile", ("Nur eine Zeile", "", "")),
    ],
)
def test_gnad_split_text(text: str, expected: tuple[str, str, str]) -> None:
    assert gnad.split_text(text) == expected


# Sources that are missing or not the dataset


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        ("reuters", CORPORA / "no-such-corpus", "no such file or folder"),
        ("reuters", BBC, "not the Reuters-21578 folder (it has no reuters21578.tar.gz)"),
        ("reuters", BBC / "bbc-fulltext.tar.gz", "not the Reuters-21578 archive"),
        ("bbc", REUTERS / "reuters21578.tar.gz", "not the BBC News archive"),
        ("gnad", BBC / "bbc-fulltext.tar.gz", "not the 10kGNAD test split"),
        ("gnad", REUTERS / "README.md", "not a readable 10kGNAD file"),
        ("nytimes", REUTERS, "unknown corpus 'nytimes'"),
    ],
)
def test_wrong_source_fails_clearly(name: str, source: Path, message: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ImportFailed) as failure:
        import_corpus(name, source, out)
    assert message in str(failure.value)
    assert "\n" not in str(failure.value)
    assert not out.exists()


def test_registry_names() -> None:
    assert sorted(IMPORTERS) == ["bbc", "gnad", "reuters"]
