"""Fuzzing the corpus readers and the importers with Hypothesis.

A corpus file that cannot be read is a clear `CorpusError` (raised, or yielded
as a record's error) naming what is wrong and where; every other input gives
articles. Never another exception, and never more than two seconds for one
input. The targets run each reader itself (`reader_for(path, data)(data,
path)`, then `make_article` on every record), not `corpus.read_file`, whose
catch-all would hide a crash as "cannot be parsed (TypeError: ...)"; one
target checks `read_file` on real files too.

Inputs are random bytes and real files mutated: the format fixtures and a few
articles of each research corpus (read from ../shared/corpora at test time,
never stored here), with bytes flipped, inserted, deleted, truncated, spliced
from another file, chunks duplicated, odd bytes and characters (NUL, BOM,
surrogates) put in, and parts wrapped in deep nesting.

`make test` runs a fixed number of examples from a fixed seed. A long run
(random seed, every target at 100,000 examples):

    VINDEX_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/test_fuzz_readers.py \
        -q -p no:cacheprovider --hypothesis-show-statistics
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzing import (
    FIXTURES,
    LARGE_REPR,
    bbc_stories,
    corpus_samples,
    fixture_files,
    fuzz_settings,
    gnad_lines,
    mutated,
    reuters_sgml,
    time_limit,
)
from hypothesis import given
from hypothesis import strategies as st

from indexer.embedded.index.schema import to_document
from indexer.ingest.article import Article, make_article
from indexer.ingest.corpus import read_file
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import EXTENSIONS, reader_for
from indexer.ingest.importers import Drop, ImportFailed, bbc, gnad, reuters

# Fuzzing: hundreds of generated and mutated files a reader.
pytestmark = [pytest.mark.filterwarnings(LARGE_REPR), pytest.mark.slow]

SEEDS = fixture_files() + corpus_samples()
# A file name per reader: the name picks the reader, `.xml` by its root element.
NAMES = [f"fuzz{extension}" for extension in EXTENSIONS]
# What a file of each kind begins with, so random bytes get past the first check.
OPENINGS = [
    b"",
    b"{",
    b"[",
    b'{"title": "',
    b"---\n",
    b"---\ntitle: x\n",
    b"<",
    b"<?xml version='1.0'?>",
    b"<rss><channel><item>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
    b"<nitf><head><docdata>",
    b"<html><head><meta property='og:title' content='",
    b"<script type='application/ld+json'>",
    b"Title\n\nSection \xe2\x99\xa6 Published: ",
]


def check_error(error: CorpusError) -> None:
    """A parse error an editor can act on: a reason, and a message that prints."""
    assert isinstance(error, CorpusError), repr(error)
    assert error.reason.strip()
    assert str(error)


def read_articles(name: str, data: bytes, errors: list[CorpusError] | None = None) -> list[Article]:
    """The articles of a file read by its reader; parse errors are checked (and kept in `errors`).

    Anything but `CorpusError` (or a hang) escapes and fails the test.
    """
    path = Path(name)
    articles: list[Article] = []
    errors = [] if errors is None else errors
    with time_limit():
        try:
            reader = reader_for(path, data)
            for record in reader(data, path):
                if record.error is not None:
                    errors.append(record.error)
                    continue
                assert record.data is not None
                try:
                    articles.append(make_article(record.data))
                except CorpusError as error:
                    errors.append(error)
        except CorpusError as error:
            errors.append(error)
    for error in errors:
        check_error(error)
    for article in articles:
        check_article(article)
    return articles


def check_article(article: Article) -> None:
    """An article the index and the JSON API can take as it is."""
    assert article.id and article.title and (article.lead or article.body)
    assert article.published.tzinfo is not None
    to_document(article, file="fuzz")
    json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")


@fuzz_settings(400)
@given(mutated(SEEDS))
def test_readers_on_mutated_files(file: tuple[str, bytes]) -> None:
    read_articles(*file)


@fuzz_settings(200)
@given(st.sampled_from(NAMES), st.sampled_from(OPENINGS), st.binary(max_size=400))
def test_readers_on_random_bytes(name: str, opening: bytes, data: bytes) -> None:
    read_articles(name, opening + data)


@fuzz_settings(200)
@given(st.sampled_from(NAMES), st.sampled_from(OPENINGS), st.text(max_size=200))
def test_readers_on_random_text(name: str, opening: bytes, text: str) -> None:
    read_articles(name, opening + text.encode("utf-8", "surrogatepass"))


# -- importers ------------------------------------------------------------------

REUTERS = [("reut2-000.sgm", reuters_sgml())]
BBC = [(f"{category}/{number}", data) for category, number, data in bbc_stories()]
GNAD = [("test.csv", b"".join(gnad_lines()))]


def check_documents(documents: Iterator[object]) -> None:
    """Each source document is an article mapping `make_article` takes or refuses, or a Drop."""
    with time_limit():
        for document in documents:
            if isinstance(document, Drop):
                assert document.reason
                continue
            assert isinstance(document, dict)
            try:
                check_article(make_article(document))
            except CorpusError as error:
                # The importer drops the article, counting this reason.
                check_error(error)


@fuzz_settings(150)
@given(mutated(REUTERS))
def test_reuters_records_from_mutated_sgml(file: tuple[str, bytes]) -> None:
    check_documents(reuters.records(file[1]))


@fuzz_settings(150)
@given(mutated(BBC), st.sampled_from([*bbc.SECTIONS, "other"]))
def test_bbc_stories_from_mutated_files(file: tuple[str, bytes], category: str) -> None:
    check_documents(iter([bbc.story(category, "001", file[1])]))


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    # Not pytest's tmp_path: one folder for all examples of a target.
    with tempfile.TemporaryDirectory(prefix="vindex-fuzz-") as folder:
        yield Path(folder)


@fuzz_settings(150, slow=True)
@given(mutated(GNAD))
def test_gnad_rows_from_mutated_csv(scratch: Path, file: tuple[str, bytes]) -> None:
    path = scratch / "test.csv.gz"
    path.write_bytes(gzip.compress(file[1], compresslevel=1))
    try:
        check_documents(gnad.documents(path))
    except ImportFailed as error:
        # Not UTF-8, or not CSV: the whole import stops, naming the file.
        assert str(path) in str(error)


# -- read_file: the last net ------------------------------------------------------


@fuzz_settings(150, slow=True)
@given(st.one_of(mutated(SEEDS), st.tuples(st.sampled_from(NAMES), st.binary(max_size=300))))
def test_read_file_gives_articles_or_errors(scratch: Path, file: tuple[str, bytes]) -> None:
    name, data = file
    path = scratch / name
    path.write_bytes(data)
    with time_limit():
        result = read_file(path)
    assert result.articles or result.errors
    for article in result.articles:
        check_article(article)
    for error in result.errors:
        check_error(error)
        assert error.path == str(path)
        # The catch-all's message: each crash it hides is a reader bug to fix.
        assert "cannot be parsed (" not in error.reason, error.reason


# -- what the fuzzer found ---------------------------------------------------------
# Each of these crashed a reader (or gave an article the index could not take)
# before it was fixed; now each is a clear error naming what is wrong.

_NITF = (FIXTURES / "full.nitf.xml").read_bytes()
_P = _NITF.index(b"<p>") + len(b"<p>")
_RSS = (
    b"<rss version='2.0'><channel><title>T</title><item><title>x</title>"
    b"<description>y</description><link>LINK</link>"
    b"<pubDate>Tue, 04 Jul 2023 23:31:00 +0200</pubDate></item></channel></rss>"
)
_RSS_LINK = _RSS.replace(b"LINK", b"https://example.org/a")
_LD = (
    b"<meta property='og:title' content='T'>"
    b"<meta property='article:published_time' content='2023-07-04'>"
    b"<script type='application/ld+json'>"
)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "deep.json",
            b"[" * 5000 + b"]" * 5000,
            "invalid JSON: arrays or objects nested too deeply",
        ),
        (
            "deep.jsonl",
            b"[" * 5000 + b"]" * 5000,
            "invalid JSON: arrays or objects nested too deeply",
        ),
        (
            "digits.json",
            b'{"title": "x", "body": "y", "published": "2023", "id": ' + b"1" * 5000 + b"}",
            "invalid JSON: a number of more than 4300 digits",
        ),
        (
            "year1.json",
            b'{"title": "x", "body": "y", "published": "0001-01-01"}',
            "field 'published': date out of range: '0001-01-01' is outside the years 1 to 9999",
        ),
        (
            "offset.json",
            b'{"title": "x", "body": "y", "published": "2023-07-04T10:00:00+99:00"}',
            "field 'published': a time zone offset beyond ±24 hours in '2023-07-04T10:00:00+99:00'",
        ),
        (
            "deep.md",
            b"---\ntitle: " + b"[" * 5000 + b"]" * 5000 + b"\n---\nbody",
            "line 2: invalid YAML front matter: [lists] or {mappings} nested more than 50 levels",
        ),
        (
            "feb30.md",
            b"---\ntitle: x\npublished: 2023-02-30\n---\nbody",
            "field 'published': unparseable date '2023-02-30'",
        ),
        (
            "offset.md",
            b"---\ntitle: x\npublished: 2023-07-04 10:00:00 +99:00\n---\nbody",
            "field 'published': a time zone offset beyond ±24 hours",
        ),
        (
            "digits.md",
            b"---\ntitle: x\npublished: 2023\nid: " + b"1" * 5000 + b"\n---\nbody",
            "line 4: invalid YAML front matter: a number of more than 4300 digits",
        ),
        (
            "offset.txt",
            "Title\n\nSection ♦ Published: 2023-07-04T23:31:00+99:00 ♦ (Source)\n\nLead.".encode(),
            "line 3: field 'published': unparseable date '2023-07-04T23:31:00+99:00'",
        ),
        (
            "bomb.rss",
            b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>' + _RSS_LINK,
            "XML entity declarations are not allowed (entity 'a')",
        ),
        (
            "encoding.xml",
            b"<?xml version='1.0' encoding='TTF-8'?>" + _RSS_LINK,
            "line 1: the XML declaration names an encoding that cannot be used",
        ),
        (
            "encoding.rss",
            b"<?xml version='1.0' encoding='\xd5'?>" + _RSS_LINK,
            "line 1: not well-formed XML",
        ),
        (
            "nul.rss",
            b"<?xml version='1.0' encoding='utf\x00'?>" + _RSS_LINK,
            "line 1: not well-formed XML",
        ),
        (
            "year0.atom",
            b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>x</title><summary>y"
            b"</summary><updated>0000-01-01T00:00:00Z</updated></entry></feed>",
            "field 'published': unparseable date '0000-01-01T00:00:00Z'",
        ),
    ],
)
def test_inputs_the_fuzzer_broke_give_clear_errors(name: str, data: bytes, message: str) -> None:
    errors: list[CorpusError] = []
    assert not read_articles(name, data, errors)
    assert [message in str(error) for error in errors] == [True], errors


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # JSON-LD nested too deeply to be read is skipped; the meta tags still make an article.
        ("deep.html", _LD + b"[" * 5000 + b"]" * 5000 + b"</script><p>Body.</p>"),
        (
            "nested.html",
            _LD + b'{"headline": ' + b"[" * 400 + b'"x"' + b"]" * 400 + b"}</script><p>B</p>",
        ),
        ("deep.nitf.xml", _NITF[:_P] + b"<a>" * 5000 + b"x" + b"</a>" * 5000 + _NITF[_P:]),
        ("ipv6.rss", _RSS.replace(b"LINK", b"http://[")),
        # A charset name lxml refuses (a control character in it): read as UTF-8.
        (
            "charset.html",
            _LD.replace(b"<script", b"<meta charset='ut\x01f-8'><script") + b"{}</script><p>B</p>",
        ),
        ("surrogate.json", b'{"id": "s", "title": "\\ud800 x", "body": "y", "published": "2023"}'),
    ],
)
def test_inputs_the_fuzzer_broke_give_articles(name: str, data: bytes) -> None:
    [article] = read_articles(name, data)
    if name == "surrogate.json":
        assert article.title == "\ufffd x"


def test_feed_markup_is_read_in_one_pass() -> None:
    """A feed item with 5,000 nested tags took feedparser ~2 s (the fuzzer's timer):
    its HTML sanitizer and link resolver are off, and scripts are dropped here instead."""
    description = b"&lt;p&gt;Text&lt;script&gt;alert(1)&lt;/script&gt; here.&lt;/p&gt;"
    [article] = read_articles("script.rss", _RSS_LINK.replace(b">y<", b">" + description + b"<"))
    assert article.lead == "Text here."
    dense = b"<a>" * 5000 + b"x" + b"</a>" * 5000
    [article] = read_articles("dense.rss", _RSS_LINK.replace(b">y<", b">" + dense + b"<") + b"<x")
    assert article.lead.endswith("x")
