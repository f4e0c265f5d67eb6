"""The behaviour of search, the same for every backend: totals, facets, highlights, errors.

Each test asks an archive of the demo corpus through the `Backend` protocol
only, and checks what any backend must answer: totals that agree with the
facets and the filters, values of one facet ORed and facets ANDed, the
query syntax, highlights in `<mark>` with the text escaped, the errors of a
missing article or archive. They run against the embedded backend always
and against an OpenSearch cluster when `VINDEX_TEST_OPENSEARCH_URL` names
one (`make test-opensearch`; the cluster's credentials, if any, are the
usual `VINDEX_OPENSEARCH_*` settings). Each run builds its own index behind
an alias of its own and deletes it after.
"""

from __future__ import annotations

import html
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.archive.backend import Backend
from indexer.archive.errors import ArchiveMissing
from indexer.archive.query_syntax import FALLBACK_NOTICE
from indexer.archive.request import SearchRequest
from indexer.archive.results import SearchResult
from indexer.embedded.backend import EmbeddedBackend
from indexer.ingest.corpus import find_files, read_file
from indexer.settings import Settings

CLUSTER_URL = os.environ.get("VINDEX_TEST_OPENSEARCH_URL", "")
BACKENDS = [
    "embedded",
    pytest.param(
        "opensearch",
        marks=pytest.mark.skipif(
            not CLUSTER_URL, reason="no cluster: set VINDEX_TEST_OPENSEARCH_URL"
        ),
    ),
]


def _cluster_backend(corpus: Path, alias: str) -> Backend:
    from indexer.opensearch.backend import open_opensearch

    # A single-node test cluster has nowhere to put a replica.
    settings = Settings.from_env().with_overrides(
        backend="opensearch",
        opensearch_url=CLUSTER_URL,
        opensearch_index=alias,
        opensearch_replicas=0,
        corpus=corpus,
    )
    return open_opensearch(settings)


def _drop_cluster_indexes(backend: Backend, alias: str) -> None:
    from indexer.opensearch.backend import OpenSearchBackend

    assert isinstance(backend, OpenSearchBackend)
    # By name: a cluster may refuse to delete by wildcard (action.destructive_requires_name).
    for name in backend.client.indices.get(index=f"{alias}-*"):
        backend.client.indices.delete(index=name)
    backend.client.indices.delete_index_template(name=alias)


def _open(kind: str, root: Path, corpus: Path) -> tuple[Backend, str]:
    if kind == "embedded":
        return EmbeddedBackend(root / "index", corpus), ""
    alias = f"vindex-test-{uuid.uuid4().hex[:12]}"
    return _cluster_backend(corpus, alias), alias


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, demo_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """The demo archive, built once per module and backend; read only."""
    backend, alias = _open(request.param, tmp_path_factory.mktemp("behaviour"), demo_corpus)
    try:
        report = backend.index(rebuild=True)
        assert report.failed == 0
        yield backend
    finally:
        if alias:
            _drop_cluster_indexes(backend, alias)
        backend.close()


@pytest.fixture(params=BACKENDS)
def unbuilt(request: pytest.FixtureRequest, tmp_path: Path, corpus: Path) -> Iterator[Backend]:
    """An archive never built."""
    backend, _ = _open(request.param, tmp_path, corpus)
    try:
        yield backend
    finally:
        backend.close()


def search(archive: Backend, q: str = "", **params: str | list[str]) -> SearchResult:
    return archive.search(SearchRequest.from_params({"q": q, "per_page": "100", **params}))


def ids(archive: Backend, q: str = "", **params: str | list[str]) -> set[str]:
    request = SearchRequest.from_params({"q": q, **params})
    return {record["id"] for batch in archive.export(request).batches() for record in batch}


def corpus_ids(corpus: Path) -> set[str]:
    return {a.id for path in find_files([corpus]) for a in read_file(path).articles}


# -- totals ----------------------------------------------------------------------


def test_no_words_find_every_article(archive: Backend, demo_corpus: Path) -> None:
    everything = corpus_ids(demo_corpus)
    assert search(archive).total == len(everything) == 66
    assert ids(archive) == everything


def test_a_total_is_what_the_export_lists(archive: Backend) -> None:
    for q in ("vienna", "OSCE", "Grossi IAEA"):
        result = search(archive, q)
        assert result.total == len(ids(archive, q)) > 0


def test_a_page_lists_its_hits_in_order_without_overlap(archive: Backend) -> None:
    first = archive.search(SearchRequest.from_params({"sort": "newest", "per_page": "10"}))
    second = archive.search(
        SearchRequest.from_params({"sort": "newest", "per_page": "10", "page": "2"})
    )
    dates = [h.published for h in first.hits + second.hits]
    assert len(first.hits) == len(second.hits) == 10
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert [d[:10] for d in dates] == sorted((d[:10] for d in dates), reverse=True)


# -- the query syntax --------------------------------------------------------------


def test_words_are_anded_and_a_phrase_narrows_them(archive: Backend) -> None:
    both = ids(archive, "ministerial council")
    assert both == ids(archive, "ministerial") & ids(archive, "council")
    phrase = ids(archive, '"ministerial council"')
    assert phrase and phrase <= both


def test_or_unites_and_not_subtracts(archive: Backend) -> None:
    iaea, osce = ids(archive, "IAEA"), ids(archive, "OSCE")
    assert ids(archive, "IAEA OR OSCE") == iaea | osce
    assert ids(archive, "IAEA -OSCE") == iaea - osce
    assert ids(archive, "IAEA NOT OSCE") == iaea - osce


def test_a_field_and_a_prefix(archive: Backend) -> None:
    titled = ids(archive, "title:OSCE")
    assert titled and titled <= ids(archive, "OSCE")
    assert ids(archive, "Minist*") >= ids(archive, "ministerial")


# -- facets ------------------------------------------------------------------------


@pytest.mark.parametrize("facet", ["section", "person", "organization", "place", "language"])
def test_each_facet_count_is_the_total_of_filtering_by_it(archive: Backend, facet: str) -> None:
    values = search(archive).facets[facet][:3]
    assert values
    for value in values:
        assert search(archive, **{facet: value.value}).total == value.count, value


def test_values_of_one_facet_are_ored_and_facets_anded(archive: Backend) -> None:
    first, second = (v.value for v in search(archive).facets["place"][:2])
    assert ids(archive, place=[first, second]) == ids(archive, place=first) | ids(
        archive, place=second
    )
    person = search(archive, place=first).facets["person"][0].value
    assert ids(archive, place=first, person=person) == ids(archive, place=first) & ids(
        archive, person=person
    )


def test_a_chosen_value_leaves_the_others_of_its_facet_countable(archive: Backend) -> None:
    first, second = (v.value for v in search(archive).facets["place"][:2])
    listed = {v.value: v for v in search(archive, place=first).facets["place"]}
    assert listed[first].selected and not listed[second].selected
    assert listed[second].count == search(archive, place=second).total


def test_the_year_facet_counts_what_a_date_range_finds(archive: Backend) -> None:
    year = search(archive).facets["year"][0]
    within = search(archive, **{"from": year.value, "to": year.value})
    assert within.total == year.count
    assert sum(m.count for m in within.facets["month"]) == within.total


def test_sections_count_their_children_in_their_parents(archive: Backend) -> None:
    sections = search(archive).facets["section"]
    for parent in (s for s in sections if s.depth == 0):
        children = [s for s in sections if s.value.startswith(parent.value + " > ")]
        assert all(c.count <= parent.count for c in children)
        assert search(archive, section=parent.value).total == parent.count


# -- highlights ----------------------------------------------------------------------


MARK = re.compile(r"</?mark>")
# An article with "Vienna" in its lead, its caption and its body, not in its title.
CTBT = "2019-06-28-ctbt-science-and-technology-conference-closes-at-the-hofburg"


def test_the_words_are_marked_and_the_text_escaped(archive: Backend) -> None:
    result = search(archive, "OSCE")
    marked = [h for h in result.hits if "<mark>OSCE</mark>" in h.title_html + h.snippet_html]
    assert marked
    for hit in result.hits:
        for text in (hit.title_html, hit.snippet_html):
            plain = MARK.sub("", text)
            # Only our marks are markup: the rest is escaped text.
            assert "<" not in plain and ">" not in plain
            assert html.escape(html.unescape(plain)) == plain


def test_the_article_page_marks_the_title_lead_caption_and_body(archive: Backend) -> None:
    reading = archive.reading(CTBT, q="vienna")
    assert reading is not None and reading.marked.marked
    page = reading.marked
    assert page.lead_html.endswith(
        "ended in <mark>Vienna</mark>. Scientists, diplomats and students"
        " discussed how the verification regime for the nuclear test ban can keep pace with"
        " technological change."
    )
    assert page.caption_html == (
        "Participants of the Science and Technology Conference in the halls of the Hofburg in"
        " <mark>Vienna</mark>."
    )
    assert "<mark>Vienna</mark>" in page.paragraphs_html[0]
    assert "<mark>" not in page.title_html  # no Vienna in it
    unmarked = archive.reading(CTBT)
    assert unmarked is not None and not unmarked.marked.marked


# -- filter values ---------------------------------------------------------------------


def test_a_filter_value_is_matched_folded_and_named_as_the_archive_spells_it(
    archive: Backend,
) -> None:
    result = search(archive, section="diplomacy > CONFERENCES")
    assert result.total == search(archive, section="Diplomacy > Conferences").total > 0
    (match,) = result.filter_matches["section"]
    assert (match.value, match.matches) == ("diplomacy > CONFERENCES", ["Diplomacy > Conferences"])
    assert result.filter_suggestions == {}


def test_an_unknown_filter_value_is_named_with_the_closest_values(archive: Backend) -> None:
    result = search(archive, section="Diplomcy")
    assert result.total == 0 and result.filter_matches == {}
    (unknown,) = result.filter_suggestions["section"]
    assert unknown.value == "Diplomcy" and unknown.closest[0] == "Diplomacy"


# -- errors --------------------------------------------------------------------------


def test_what_the_archive_does_not_hold(archive: Backend) -> None:
    assert archive.article("no-such-article") is None
    assert archive.reading("no-such-article") is None
    assert archive.entity_report("person", "Nobody Of That Name") is None
    assert search(archive, "xqzzyvwk").total == 0


def test_a_query_that_cannot_be_read_is_searched_as_words_with_a_notice(archive: Backend) -> None:
    result = search(archive, '"ministerial council')
    assert result.notice == FALLBACK_NOTICE
    assert result.total == len(ids(archive, "ministerial council"))


def test_an_archive_never_built_is_missing(unbuilt: Backend) -> None:
    with pytest.raises(ArchiveMissing):
        unbuilt.search(SearchRequest())
    assert unbuilt.health().status == "no index"
