"""The corpus file formats: real fixture files read through `read_file`, exact results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fuzzing import time_limit

from indexer.ingest.corpus import read_file
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import reader_for, sniff_xml
from indexer.ingest.formats.html import paragraphs_of_html, text_of_html
from indexer.ingest.formats.markdown import markdown_paragraphs
from indexer.ingest.formats.textexport import glued_section
from indexer.ingest.formats.xmlroot import root_name

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
SHARED = Path(__file__).resolve().parents[2] / "shared"

NO_ENTITIES: dict[str, list[str]] = {"person": [], "organization": [], "place": []}


def article(name: str) -> dict[str, Any]:
    """The one article of a fixture file, as the JSON-ready dict of SPEC §3."""
    articles = all_articles(name)
    assert len(articles) == 1
    return articles[0]


def all_articles(name: str) -> list[dict[str, Any]]:
    result = read_file(FIXTURES / name)
    assert result.errors == ()
    return [a.to_dict() for a in result.articles]


def errors(name: str) -> list[str]:
    """The error messages of a fixture file, with the fixture's path shortened to its name."""
    result = read_file(FIXTURES / name)
    return [str(e).replace(str(FIXTURES / name), name) for e in result.errors]


# Portal text export --------------------------------------------------------------


def test_seed_article_from_the_portal_export() -> None:
    result = read_file(SHARED / "examples" / "seed-article.txt")
    assert result.errors == ()
    [seed] = result.articles
    assert seed.title == "Security Review Conference Convened by OSCE Chairpersonship"
    assert seed.section == "Organizations > International Organizations"
    assert seed.published.isoformat() == "2023-07-04T23:31:00+02:00"
    assert str(seed.published.tzinfo) == "Europe/Vienna"
    assert seed.source == "Vindobona"
    assert seed.lead == (
        "The OSCE Chairpersonship organized the Security Review Conference in 2023 to address "
        "the security crisis and promote multilateral engagement. High-level representatives "
        "gathered to assess security threats, including the humanitarian impact of Russia's "
        "war against Ukraine."
    )
    assert seed.image_caption == (
        "The Security Review Conference emphasized the importance of collaboration in "
        "mitigating challenges and maintaining peace in the OSCE region."
    )
    assert seed.body == (
        "Held under the theme 'Restoring peace and security, engaging in dialogue and "
        "rebuilding trust – For the people,' the conference aimed to reaffirm the commitment "
        "to peace and security in the OSCE region.",
        "High-level representatives from participating States and Partners for Co-operation "
        "came together to assess common security threats and challenges, as well as to "
        "evaluate the role of the organization in addressing them. The discussions centered "
        "around various topics, including the ongoing humanitarian impact of Russia's war "
        "against Ukraine, strategies to mitigate a wide range of threats and challenges, and "
        "the importance of dialogue in de-escalating violence.",
        "During the conference's opening remarks, Bujar Osmani, the Minister of Foreign "
        "Affairs of North Macedonia and the OSCE Chairman-in-Office, emphasized their "
        "dedication to providing solutions that contribute to peace and stability in the OSCE "
        "region. He highlighted the OSCE's role as a proactive entity that offers sustainable "
        "resolutions to conflicts.",
        "The discussions also highlighted the escalating number of transnational threats faced "
        "by the OSCE region, such as organized crime, radicalization, and violent extremism. "
        "The participants stressed the significance of collaboration in effectively "
        "addressing these challenges.",
        "OSCE Secretary General Helga Maria Schmid emphasized the organization's role as the "
        "largest regional security organization in the world. She outlined the OSCE's "
        "comprehensive approach, ranging from bolstering border security to combating "
        "corruption, illicit trafficking of small arms, and supporting free and fair elections.",
        "The Security Review Conference provided a platform for constructive dialogue and "
        "cooperation among participating States and Partners for Co-operation. It underscored "
        "the importance of joint efforts in tackling security challenges and maintaining peace "
        "in the OSCE region.",
    )
    assert seed.id == "2023-07-04-security-review-conference-convened-by-osce-chairpersonship"
    assert (seed.authors, seed.tags, seed.dateline, seed.url) == ((), (), "", "")
    assert seed.language == "en"


def test_text_export_with_every_part() -> None:
    assert article("full.txt") == {
        "id": "2019-06-25-wirtschaftskammer-ladt-zum-exporttag",
        "title": "Wirtschaftskammer lädt zum Exporttag",
        "lead": "Beim jährlichen Exporttag der Wirtschaftskammer Österreich informierten sich "
        "Unternehmen über Chancen auf den Weltmärkten.",
        "body": [
            "Der Exporttag gehört zu den wichtigsten Terminen der heimischen Außenwirtschaft.",
            "Deutschland bleibt der bedeutendste Handelspartner.",
        ],
        "section": "Wirtschaft > Österreich",
        "published": "2019-06-25T16:05:00+02:00",
        "updated": "2019-06-26T09:00:00+02:00",
        "source": "Vindobona",
        "authors": [],
        "dateline": "WIEN, 25. Juni",
        "language": "de",
        "tags": [],
        "url": "",
        # The credit after the © ("WKÖ / Max Muster") is dropped.
        "image_caption": "Die Wirtschaftsdelegierten berieten Unternehmen aus ganz Österreich.",
        "entities": NO_ENTITIES,
    }


def test_text_export_minimal_and_with_a_separated_path() -> None:
    minimal = article("minimal.txt")
    assert (minimal["section"], minimal["source"], minimal["published"]) == (
        "",
        "",
        "2021-01-14T15:10:00+01:00",
    )
    assert minimal["lead"] == (
        "The Permanent Council of the OSCE met in the Hofburg in Vienna on Thursday."
    )
    assert (minimal["body"], minimal["image_caption"]) == ([], "")
    path = article("path-section.txt")
    assert (path["section"], path["source"], path["published"]) == (
        "Politics > United Nations",
        "UN News",
        "2024-02-01T10:00:00+01:00",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "no-meta.txt",
            "no-meta.txt: line 3: expected the meta line like "
            "'Section ♦ Published: July 4, 2023; 23:31 ♦ (Source)' after the title",
        ),
        (
            "title-only.txt",
            "title-only.txt: line 3: expected the meta line like "
            "'Section ♦ Published: July 4, 2023; 23:31 ♦ (Source)' after the title",
        ),
        (
            "bad-date.txt",
            "bad-date.txt: line 3: field 'published': unparseable date 'Julember 45, 2023; 23:31'",
        ),
    ],
)
def test_text_export_errors(name: str, message: str) -> None:
    assert errors(name) == [message]


def test_text_export_needs_the_title_on_line_one(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    path.write_text("\nTitle\n\nA ♦ Published: July 4, 2023 ♦ (B)\n\nLead.\n", encoding="utf-8")
    assert [str(e) for e in read_file(path).errors] == [
        f"{path}: line 1: expected the title on line 1"
    ]


@pytest.mark.parametrize(
    ("glued", "path"),
    [
        ("OrganizationsInternational Organizations", "Organizations > International Organizations"),
        ("WirtschaftÖsterreich", "Wirtschaft > Österreich"),
        ("PoliticsEuropeEU Enlargement", "Politics > Europe > EU Enlargement"),
        ("Culture", "Culture"),
        ("Politics > United Nations", "Politics > United Nations"),
        ("  Science   Nuclear ", "Science Nuclear"),
        ("", ""),
    ],
)
def test_glued_section_paths_are_split(glued: str, path: str) -> None:
    assert glued_section(glued) == path


# Markdown -------------------------------------------------------------------------


def test_markdown_with_every_field() -> None:
    assert article("full.md") == {
        "id": "osce-security-review-2023",
        "title": "Security Review Conference Convened by OSCE Chairpersonship",
        "lead": "High-level representatives gathered in Vienna to assess security threats.",
        "body": [
            "The conference opens",
            "The OSCE Chairpersonship organized the Security Review Conference in 2023 to "
            "address the security crisis.",
            "Restoring peace and security",
            "Engaging in dialogue, with code kept",
            "A nested item",
            "Helga Maria Schmid spoke of the largest regional security organization.",
            "An HTML block.",
            "Fish & chips, and a hard line break.",
        ],
        "section": "Organizations > International Organizations",
        "published": "2023-07-04T23:31:00+02:00",
        # A YAML date without a time is midnight in Vienna.
        "updated": "2023-07-05T00:00:00+02:00",
        "source": "Vindobona",
        "authors": ["Anna Huber", "Max Berger"],
        "dateline": "VIENNA, July 4",
        "language": "en",
        "tags": ["OSCE", "security", "Hofburg"],
        "url": "https://www.example.org/osce-security-review-2023",
        "image_caption": "Delegates in the Hofburg.",
        "entities": {
            "person": ["Bujar Osmani", "Helga Maria Schmid"],
            "organization": ["OSCE"],
            "place": ["Vienna"],
        },
    }


def test_minimal_markdown_takes_date_for_published() -> None:
    minimal = article("minimal.md")
    assert minimal["published"] == "2023-07-04T00:00:00+02:00"
    assert minimal["id"] == "2023-07-04-vienna-hosts-a-minimal-meeting"
    assert minimal["body"] == [
        "The delegates met in Vienna and agreed on a short statement about the weather."
    ]
    assert (minimal["lead"], minimal["language"]) == ("", "en")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "no-front-matter.md",
            "no-front-matter.md: line 1: no YAML front matter "
            "(the file must begin with a '---' line)",
        ),
        (
            "unclosed.md",
            "unclosed.md: line 1: YAML front matter is not closed (no '---' line after it)",
        ),
        (
            "bad-yaml.md",
            "bad-yaml.md: line 4: invalid YAML front matter: "
            "expected ',' or ']', but got '<stream end>'",
        ),
        (
            "list-front-matter.md",
            "list-front-matter.md: line 2: YAML front matter must be fields like "
            "'title: ...', not a list or a value",
        ),
        (
            "bad-date.md",
            "bad-date.md: field 'published': unparseable date 'the day after tomorrow' (no year)",
        ),
    ],
)
def test_markdown_errors(name: str, message: str) -> None:
    assert errors(name) == [message]


def test_markdown_body_in_front_matter_is_used_when_the_content_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: T\npublished: 2023-01-01\nbody: [One., Two.]\n---\n", encoding="utf-8"
    )
    [only] = read_file(path).articles
    assert only.body == ("One.", "Two.")


def alias_bomb(levels: int) -> str:
    """Front matter of a few hundred bytes whose aliases expand to 10**(levels+1) items."""
    lines = ["title: Bomb", "published: 2023-01-01", "a0: &a0 [x,x,x,x,x,x,x,x,x,x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "---\n" + "\n".join([*lines, f"id: *a{levels}"]) + "\n---\nThe body.\n"


def test_markdown_front_matter_with_aliases_is_refused(tmp_path: Path) -> None:
    """Issue 13: a 401-byte upload of aliases nested ten-fold took 10-30 s and 1 GB."""
    path = tmp_path / "bomb.md"
    path.write_text(alias_bomb(6), encoding="utf-8")
    with time_limit():
        result = read_file(path)
    assert result.articles == ()
    assert [str(e) for e in result.errors] == [
        f"{path}: line 5: invalid YAML front matter: an alias (*a0) is not accepted; "
        "write the value out"
    ]
    path.write_text(
        "---\ntitle: &t Title\npublished: 2023-01-01\nsource: *t\n---\nBody.\n",
        encoding="utf-8",
    )
    assert [e.reason for e in read_file(path).errors] == [
        "invalid YAML front matter: an alias (*t) is not accepted; write the value out"
    ]


@pytest.mark.parametrize("name", ["crowd.html", "crowd.nitf.xml"])
def test_readers_list_thirty_thousand_entities_in_linear_time(tmp_path: Path, name: str) -> None:
    """Issue 13: the readers deduplicated names by scanning a list per name (quadratic)."""
    people = [f"Person Number{n:05d}" for n in range(30_000)]
    path = tmp_path / name
    if name.endswith(".html"):
        mentions = json.dumps([{"@type": "Person", "name": p} for p in people])
        path.write_text(
            '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": "Crowd", "articleBody": "Text.", "datePublished": "2024-01-01", '
            f'"mentions": {mentions}}}</script></head></html>',
            encoding="utf-8",
        )
    else:
        persons = "".join(f"<person>{p}</person>" for p in people)
        path.write_text(
            "<nitf><head><title>Crowd</title><docdata>"
            f"<identified-content>{persons}</identified-content>"
            '<date.issue norm="20240101T000000Z"/></docdata></head>'
            "<body><body.content><p>Text.</p></body.content></body></nitf>",
            encoding="utf-8",
        )
    with time_limit():
        result = read_file(path)
    assert [e.reason for e in result.errors] == ["30000 names; at most 10000 are kept"]
    assert [e.field for e in result.errors] == ["entities.person"]


def test_a_front_matter_over_256_kb_is_refused_before_yaml_reads_it(tmp_path: Path) -> None:
    """PyYAML reads about 0.25 MB a second: 1.7 MB of tags took 8 s, a 20 MB upload minutes."""
    path = tmp_path / "big.md"
    tags = ", ".join(f"t{n}" for n in range(200_000))
    path.write_text(f"---\ntitle: T\npublished: 2023-01-01\ntags: [{tags}]\n---\nB.\n")
    with time_limit():
        result = read_file(path)
    assert [str(e) for e in result.errors] == [
        f"{path}: line 2: YAML front matter of 1,649 KB; at most 256 KB "
        "(the body goes after the front matter)"
    ]


LONG = "word " * 25_000  # 125,000 characters: over the lead's 100,000


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.json", json.dumps({"title": "T", "published": "2023-01-01", "lead": LONG})),
        ("a.jsonl", json.dumps({"title": "T", "published": "2023-01-01", "lead": LONG})),
        ("a.md", f"---\ntitle: T\npublished: 2023-01-01\nlead: {LONG}\n---\nBody.\n"),
        ("a.txt", f"T\n\nPublished: January 14, 2021; 15:10\n\n{LONG}\n\nBody.\n"),
        (
            "a.html",
            '<html><head><meta property="og:title" content="T">'
            f'<meta property="og:description" content="{LONG}">'
            '<meta property="article:published_time" content="2023-01-01"></head>'
            "<body><article><p>Body.</p></article></body></html>",
        ),
        (
            "a.rss",
            '<rss version="2.0"><channel><title>S</title><item><title>T</title>'
            f"<pubDate>Tue, 04 Jul 2023 23:31:00 +0200</pubDate><description>{LONG}</description>"
            "</item></channel></rss>",
        ),
        (
            "a.nitf",
            '<nitf><head><title>T</title><docdata><date.issue norm="20230101T000000Z"/>'
            f"</docdata></head><body><body.head><hedline><hl2>{LONG}</hl2></hedline>"
            "</body.head><body.content><p>Body.</p></body.content></body></nitf>",
        ),
    ],
)
def test_every_reader_refuses_an_overlong_field(tmp_path: Path, name: str, content: str) -> None:
    """The bounds are make_article's, so every format has them (issue 13)."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read_file(path)
    assert result.articles == ()
    assert [(e.field, e.reason) for e in result.errors] == [
        ("lead", "longer than 100000 characters")
    ]


def test_markdown_paragraphs_drop_markup() -> None:
    assert markdown_paragraphs(
        "## A *b* `c`\n\nText with <span>inline</span> HTML and [a link][1].\n\n"
        "[1]: https://example.org\n\n---\n\n1. first\n2. second\n"
    ) == ["A b c", "Text with inline HTML and a link.", "first", "second"]


# HTML ------------------------------------------------------------------------------


def test_html_with_news_article_json_ld() -> None:
    assert article("jsonld.html") == {
        "id": "osce-2023-07-04",
        "title": "Security Review Conference Convened by OSCE Chairpersonship",
        "lead": "High-level representatives gathered to assess security threats.",
        # articleBody, split on blank lines; the page's <p> are not used.
        "body": [
            "The OSCE Chairpersonship organized the conference.",
            "Bujar Osmani opened it.",
            "Helga Maria Schmid spoke.",
        ],
        "section": "Organizations > International Organizations",
        "published": "2023-07-04T23:31:00+02:00",
        "updated": "2023-07-05T08:00:00+02:00",
        # The publisher is an @id reference into the @graph.
        "source": "Vindobona",
        "authors": ["Anna Huber", "Max Berger"],
        "dateline": "VIENNA, July 4",
        "language": "en",
        "tags": ["OSCE", "security", "Hofburg"],
        "url": "https://www.example.org/osce",
        "image_caption": "Delegates in the Hofburg.",
        "entities": {
            "person": ["Bujar Osmani", "Helga Maria Schmid"],
            "organization": ["OSCE"],
            "place": ["Vienna", "North Macedonia"],
        },
    }


def test_html_with_opengraph_only() -> None:
    assert article("opengraph.html") == {
        "id": "2019-06-25-exporttag-in-wien",
        "title": "Exporttag in Wien",
        "lead": "Unternehmen suchen neue Märkte.",
        # Only the <article>'s own paragraphs: not its header, figure, aside or footer.
        "body": [
            "Der Exporttag der Wirtschaftskammer gehört zu den wichtigsten Terminen.",
            "Deutschland bleibt der bedeutendste Handelspartner.",
        ],
        "section": "Economy > Trade",
        "published": "2019-06-25T16:05:00+02:00",
        "updated": "2019-06-26T09:00:00+02:00",
        "source": "Vindobona",
        # A profile URL in article:author is no name.
        "authors": ["Eva Gruber"],
        "dateline": "",
        "language": "de",
        "tags": ["Export", "WKÖ"],
        "url": "https://www.example.org/exporttag",
        "image_caption": "Wirtschaftsdelegierte im Gespräch.",
        "entities": NO_ENTITIES,
    }


def test_html_meta_tags_fill_the_gaps_of_json_ld() -> None:
    assert article("partial-jsonld.html") == {
        "id": "2024-02-01-security-council-meets-in-vienna",
        "title": "Security Council Meets in Vienna",
        "lead": "The Security Council met in Vienna.",
        "body": [
            "The Security Council held a rare meeting outside New York.",
            "Members discussed the situation in the region.",
        ],
        "section": "Politics",
        # JSON-LD wins where both have a value.
        "published": "2024-02-01T10:00:00+01:00",
        "updated": None,
        "source": "United Nations",
        "authors": ["Jane Doe"],
        "dateline": "",
        "language": "en",
        "tags": ["UN", "Security Council"],
        "url": "",
        "image_caption": "",
        "entities": NO_ENTITIES,
    }


def test_html_broken_json_ld_is_skipped_for_opengraph() -> None:
    page = article("broken-jsonld.html")
    assert (page["title"], page["published"], page["body"]) == (
        "Only OpenGraph survives",
        "2022-03-01T12:00:00+01:00",
        ["The body is the page's only paragraph."],
    )


def test_html_without_metadata_is_an_error() -> None:
    assert errors("plain.html") == ["plain.html: no NewsArticle JSON-LD or OpenGraph metadata"]


def test_html_in_a_declared_legacy_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.html"
    path.write_bytes(
        '<html><head><meta charset="iso-8859-1">'
        '<meta property="og:title" content="Grüße aus Wien">'
        '<meta property="article:published_time" content="2023-07-04"></head>'
        "<body><p>Schöne Grüße.</p></body></html>".encode("iso-8859-1")
    )
    [page] = read_file(path).articles
    assert (page.title, page.body) == ("Grüße aus Wien", ("Schöne Grüße.",))


@pytest.mark.parametrize(
    ("markup", "paragraphs"),
    [
        ("<p>One <b>bold</b></p><p>Two<br>lines</p>", ["One bold", "Two lines"]),
        (
            "No paragraphs.\n\nJust text &amp; blank lines.",
            ["No paragraphs.", "Just text & blank lines."],
        ),
        # Looks like a URL or a file name: BeautifulSoup would warn, but it is text.
        ("https://www.example.org/story", ["https://www.example.org/story"]),
        ("report.html", ["report.html"]),
        ("", []),
    ],
)
def test_paragraphs_of_html(markup: str, paragraphs: list[str]) -> None:
    assert paragraphs_of_html(markup) == paragraphs


def test_text_of_html_joins_paragraphs() -> None:
    assert text_of_html("<p>Ver<b>ein</b>t.</p><p>Second.</p>") == "Vereint. Second."


# Feeds --------------------------------------------------------------------------------


def test_rss_feed() -> None:
    first, second = all_articles("feed.rss")
    assert first == {
        "id": "osce-security-review-2023",
        "title": "Security Review Conference Convened by OSCE Chairpersonship",
        "lead": "High-level representatives gathered to assess security threats.",
        # content:encoded's <p>; its <div> is not a paragraph.
        "body": ["The OSCE Chairpersonship organized the conference.", "Bujar Osmani opened it."],
        "section": "Organizations > International Organizations",
        "published": "2023-07-04T23:31:00+02:00",
        "updated": None,
        "source": "Vindobona (English)",
        "authors": ["Anna Huber"],
        "dateline": "",
        "language": "en",
        "tags": ["OSCE", "Security"],
        "url": "https://www.example.org/osce-security-review",
        "image_caption": "",
        "entities": NO_ENTITIES,
    }
    assert second == {
        # A permalink guid is slugified into an id.
        "id": "https-www-example-org-energy-forum",
        "title": "Vienna Energy Forum Opens",
        "lead": "Ministers met in Vienna to discuss the energy transition.",
        "body": [],
        "section": "Economy > Energy",
        # RFC 822 "EST" keeps its offset.
        "published": "2023-05-15T09:00:00-05:00",
        "updated": None,
        "source": "UNIDO News",
        "authors": ["Max Berger"],
        "dateline": "",
        "language": "en",
        "tags": [],
        "url": "https://www.example.org/energy-forum",
        "image_caption": "",
        "entities": NO_ENTITIES,
    }


def test_atom_feed() -> None:
    first, second = all_articles("feed.atom")
    assert first == {
        "id": "tag-example-org-2022-osze-vorsitz",
        "title": "OSZE: Polnischer Vorsitz tritt an",
        "lead": "Zbigniew Rau stellte das Programm vor.",
        "body": ["Polen hat den Vorsitz übernommen.", "Rau sprach in der Hofburg."],
        "section": "Organizations > OSCE",
        "published": "2022-01-13T11:30:00+01:00",
        "updated": "2022-01-14T08:00:00+01:00",
        "source": "Vindobona (Deutsch)",
        "authors": ["Eva Gruber", "Max Berger"],
        "dateline": "",
        "language": "de",
        "tags": ["ukraine"],
        "url": "https://www.example.org/de/osze-vorsitz",
        "image_caption": "",
        "entities": NO_ENTITIES,
    }
    # Content without a summary is the body, not also the lead; a urn: id is no URL.
    assert (second["lead"], second["body"], second["url"], second["published"]) == (
        "",
        ["Erster Absatz.", "Zweiter Absatz."],
        "",
        "2022-02-01T10:00:00+00:00",
    )


def test_atom_entry_with_only_an_updated_date(tmp_path: Path) -> None:
    path = tmp_path / "updated.atom"
    path.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><title>T</title>'
        "<id>urn:x</id><updated>2024-03-01T12:00:00+01:00</updated><summary>S.</summary>"
        "</entry></feed>",
        encoding="utf-8",
    )
    [entry] = read_file(path).articles
    assert (entry.published.isoformat(), entry.updated) == ("2024-03-01T12:00:00+01:00", None)


def test_feed_items_fail_one_by_one() -> None:
    result = read_file(FIXTURES / "bad-items.rss")
    assert [a.title for a in result.articles] == ["A good item"]
    assert [str(e).replace(str(FIXTURES) + "/", "") for e in result.errors] == [
        "bad-items.rss: item 2: field 'title': required and missing",
        "bad-items.rss: item 3: field 'published': unparseable date 'sometime soon' (no year)",
        "bad-items.rss: item 4: field 'published': required and missing",
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken.rss", "broken.rss: line 6: not well-formed XML: mismatched tag (column 24)"),
        ("empty-channel.rss", "empty-channel.rss: a feed without items: no articles"),
    ],
)
def test_feed_errors(name: str, message: str) -> None:
    assert errors(name) == [message]


def test_feed_that_is_not_xml(tmp_path: Path) -> None:
    path = tmp_path / "garbage.rss"
    path.write_text("This is not a feed <<<", encoding="utf-8")
    assert [str(e) for e in read_file(path).errors] == [
        f"{path}: line 1: not well-formed XML: syntax error (column 1)"
    ]
    html = tmp_path / "page.atom"
    html.write_text("<html><body><p>hi</p></body></html>", encoding="utf-8")
    assert [str(e) for e in read_file(html).errors] == [f"{html}: not an RSS or Atom feed"]


def test_feed_with_an_unescaped_ampersand_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "sloppy.rss"
    path.write_text(
        '<rss version="2.0"><channel><title>A &amp B</title><item><title>Fish & chips</title>'
        "<pubDate>Tue, 04 Jul 2023 10:00:00 CEST</pubDate><description>x</description>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    [item] = read_file(path).articles
    assert (item.title, item.published.isoformat()) == (
        "Fish & chips",
        "2023-07-04T10:00:00+02:00",
    )


def test_rss_in_an_xml_file_is_found_by_its_root() -> None:
    item = article("feed-as.xml")
    assert (item["title"], item["source"], item["published"]) == (
        "Detected by its root element",
        "Sniffed feed",
        "2023-07-04T10:00:00+00:00",
    )


# NITF ------------------------------------------------------------------------------------


def test_nitf_with_every_part() -> None:
    assert article("full.nitf.xml") == {
        "id": "vindobona-2023-unido",
        "title": "UNIDO-Generalkonferenz berät in Wien",
        "lead": "Die Organisation hat ihre 20. Generalkonferenz eröffnet. Es geht um Klimaschutz.",
        # Paragraphs in blocks count; the media caption's does not; &nbsp; is a space.
        "body": [
            "Delegationen der Organisation kamen im Vienna International Centre zusammen.",
            "Generaldirektor Gerd Müller warb für Investitionen in Wien, Österreich und Ägypten.",
            "Die nächste Konferenz findet 2025 statt.",
        ],
        "section": "Organizations > International Organizations",
        "published": "2023-11-27T16:30:00+01:00",
        "updated": "2023-11-28T09:15:00+01:00",
        "source": "Vindobona",
        "authors": ["Eva Gruber", "Max Berger"],
        "dateline": "WIEN, 27. November",
        "language": "de",
        "tags": ["UNIDO", "Generalkonferenz"],
        "url": "",
        "image_caption": "Delegierte im VIC.",
        # identified-content first, then inline markup, deduplicated; @value wins over text.
        "entities": {
            "person": ["Gerd Müller"],
            "organization": ["UNIDO"],
            "place": ["Wien", "Österreich", "Vienna International Centre", "Ägypten"],
        },
    }


def test_minimal_nitf() -> None:
    assert article("minimal.nitf") == {
        "id": "2021-01-14-minimal-nitf-article-from-vienna",
        "title": "Minimal NITF article from Vienna",
        "lead": "The subheading becomes the lead",
        "body": ["The OSCE Permanent Council met in Vienna."],
        "section": "",
        "published": "2021-01-14T15:10:00+01:00",
        "updated": None,
        "source": "",
        "authors": ["Jane Doe"],
        "dateline": "",
        "language": "en",
        "tags": [],
        "url": "",
        "image_caption": "",
        "entities": NO_ENTITIES,
    }


def test_nitf_in_an_xml_file_is_found_by_its_root() -> None:
    nitf = article("nitf-as.xml")
    assert (nitf["title"], nitf["section"], nitf["published"]) == (
        "Detected by its root element",
        "Organizations > OSCE",
        "2022-01-13T11:30:00+00:00",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "not-nitf.nitf.xml",
            "not-nitf.nitf.xml: expected an NITF document (root <nitf>), found <article>",
        ),
        (
            "broken.nitf.xml",
            "broken.nitf.xml: line 6: not well-formed XML: not well-formed (invalid token) "
            "(column 1)",
        ),
        (
            "entity-bomb.nitf.xml",
            "entity-bomb.nitf.xml: XML entity declarations are not allowed (entity 'lol')",
        ),
        (
            "unknown-root.xml",
            "unknown-root.xml: unknown XML document type <catalog> (expected rss, feed or nitf)",
        ),
    ],
)
def test_nitf_and_xml_errors(name: str, message: str) -> None:
    assert errors(name) == [message]


# XML roots and reader choice ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "root"),
    [
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "rss"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "feed"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "RDF"),
        (b'<!DOCTYPE nitf SYSTEM "nitf-3-6.dtd">\n<nitf>&nbsp;</nitf>', "nitf"),
        # Only the root is read: what follows it may be broken.
        (b"<nitf><head></nitf>", "nitf"),
    ],
)
def test_root_name(data: bytes, root: str) -> None:
    assert root_name(data, Path("x.xml")) == root


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"plain text", "x.xml: line 1: not well-formed XML: syntax error (column 1)"),
        (b"  \n", "x.xml: line 2: not well-formed XML: no element found (column 1)"),
        (
            b'<!DOCTYPE x SYSTEM "http://example.org/x.dtd" [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<x>&e;</x>",
            "x.xml: XML entity declarations are not allowed (entity 'e')",
        ),
    ],
)
def test_root_name_errors(data: bytes, message: str) -> None:
    with pytest.raises(CorpusError) as raised:
        root_name(data, Path("x.xml"))
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("a.json", "indexer.ingest.formats.json_format"),
        ("a.jsonl", "indexer.ingest.formats.jsonl"),
        ("a.md", "indexer.ingest.formats.markdown"),
        ("a.txt", "indexer.ingest.formats.textexport"),
        ("a.HTML", "indexer.ingest.formats.html"),
        ("a.htm", "indexer.ingest.formats.html"),
        ("a.rss", "indexer.ingest.formats.feed"),
        ("a.atom", "indexer.ingest.formats.feed"),
        ("a.nitf", "indexer.ingest.formats.nitf"),
        ("a.nitf.xml", "indexer.ingest.formats.nitf"),
    ],
)
def test_reader_by_extension(name: str, module: str) -> None:
    assert reader_for(Path(name), b"").__module__ == module


def test_sniff_xml() -> None:
    assert sniff_xml((FIXTURES / "feed.atom").read_bytes(), Path("feed.xml")) == "feed"
    assert sniff_xml((FIXTURES / "minimal.nitf").read_bytes(), Path("a.xml")) == "nitf"
