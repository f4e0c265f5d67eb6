"""What a backend answers: typed results, each rendered as JSON by one rule.

Every surface shows the same objects: the JSON API sends `to_dict()`, the
pages render the objects themselves, the CLI prints them, and the OpenAPI
components are derived from the same fields (`webapp.openapi`), so the three
cannot drift apart. A field's `doc` metadata is its description there.

`to_dict()` follows one rule (`as_json`): a dataclass becomes an object of its
fields, tuples become lists, and a field marked `omit_none` is left out when
it is None (the section facet has a depth, other facets have none).
"""

from __future__ import annotations

import functools
import math
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Annotated, Any

from indexer.archive.request import SearchRequest


def article_url(article_id: str) -> str:
    """An article's page on the site (the `url` of hits and related articles, SPEC's path)."""
    return f"/articles/{article_id}"


@dataclass(frozen=True)
class Doc:
    """A result field's description (for the OpenAPI components) and JSON manners.

    `omit_none` leaves the field out of the JSON when it is None; `json` names
    it there when its Python name cannot (`type` is a builtin).
    """

    text: str
    omit_none: bool = False
    json: str | None = None


@functools.cache
def field_docs(cls: type) -> dict[str, Doc]:
    """Each field's `Doc` (fields without one get an empty description)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    docs = {}
    for spec in fields(cls):
        extras = getattr(hints[spec.name], "__metadata__", ())
        docs[spec.name] = next((e for e in extras if isinstance(e, Doc)), Doc(""))
    return docs


# Values JSON takes as they are: most of what a result holds (checked first, by type).
_PLAIN = frozenset({str, int, float, bool, type(None)})
# Per result class, its fields as (attribute, JSON name, omitted when None);
# None for types that are not dataclasses.
_Plan = tuple[tuple[str, str, bool], ...]
_PLANS: dict[type, _Plan | None] = {}


def _plan(cls: type) -> _Plan | None:
    """How `as_json` renders instances of a class (made once per class)."""
    plan = None
    if is_dataclass(cls):
        plan = tuple(
            (name, described.json or name, described.omit_none)
            for name, described in field_docs(cls).items()
        )
    _PLANS[cls] = plan
    return plan


def as_json(value: Any) -> Any:
    """A result as JSON-ready data: dataclasses as objects, tuples as lists.

    A search answer holds hundreds of values (hits, facet values): asking
    `is_dataclass` and the field docs for each cost about 1 ms of the API's
    answer at 100k articles; a plan per class and a type check for plain
    values cost a third of it.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    plan = _PLANS[kind] if kind in _PLANS else _plan(kind)
    if plan is not None:
        out = {}
        for name, key, omit_none in plan:
            item = getattr(value, name)
            if item is None and omit_none:
                continue
            out[key] = as_json(item)
        return out
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    return value


class JsonResult:
    """A result that renders itself as JSON by the one rule.

    Results are plain slotted dataclasses, not frozen ones: a search makes
    them by the hundred (every facet value), and a frozen one costs 0.5 µs
    more to make (0.55 against 0.14 µs, measured with timeit).
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = as_json(self)
        return data


Entities = dict[str, list[str]]


@dataclass(slots=True)
class FacetValue(JsonResult):
    """One value of a facet with its number of articles."""

    value: Annotated[str, Doc("The value, as the archive writes it.")]
    count: Annotated[int, Doc("Articles with this value in the result set.")]
    selected: Annotated[bool, Doc("Whether the request filters on this value.")] = False
    depth: Annotated[
        int | None,
        Doc(
            "Sections only: 0 for a top-level section, 1 for its sub-sections, and so on.",
            omit_none=True,
        ),
    ] = None


@dataclass(slots=True)
class Hit(JsonResult):
    """One article in a result list, with the query's words marked."""

    id: Annotated[str, Doc("The article's id.")]
    url: Annotated[str, Doc("The article's page.")]
    title: Annotated[
        str, Doc("The title as lists show it (ALL-CAPS wire headlines in headline case).")
    ]
    title_html: Annotated[str, Doc("The title, HTML-escaped, the query's words in <mark>.")]
    snippet_html: Annotated[
        str, Doc("One or two passages, HTML-escaped, the query's words in <mark>.")
    ]
    section: Annotated[str, Doc("The section path, levels joined by ' > '.")]
    published: Annotated[str, Doc("Publication time, ISO 8601 with its offset.")]
    language: Annotated[str, Doc("ISO 639-1 language code.")]
    source: Annotated[str, Doc("Who published it.")]
    authors: Annotated[list[str], Doc("The authors.")]
    score: Annotated[float, Doc("Relevance score (0 when the request has no words).")]
    entities: Annotated[Entities, Doc("People, organisations and places named, by type.")]


@dataclass(slots=True)
class FilterMatch(JsonResult):
    """A filter value the archive has, with its spellings there."""

    value: Annotated[str, Doc("The value as asked for.")]
    matches: Annotated[list[str], Doc("The archive's spellings it matched, most used first.")]


@dataclass(slots=True)
class FilterSuggestion(JsonResult):
    """A filter value the archive does not have, with the closest values it does."""

    value: Annotated[str, Doc("The value as asked for.")]
    closest: Annotated[tuple[str, ...], Doc("The archive's closest values, most alike first.")]


@dataclass
class SearchResult:
    """What a search found: one object for the CLI, the pages and the API (SPEC §8)."""

    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    facet_distinct: dict[str, int]
    took_ms: float
    suggestion: str | None = None
    notice: str | None = None
    generation: str = ""
    # Per filter, each value the archive has: its spellings there, most used first.
    filter_matches: dict[str, list[FilterMatch]] = field(default_factory=dict)
    # Per filter, each value the archive does not have, with the closest it does.
    filter_suggestions: dict[str, list[FilterSuggestion]] = field(default_factory=dict)

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def per_page(self) -> int:
        return self.request.per_page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 1),
            "query": self.request.to_dict(),
            "description": self.request.describe(),
            "hits": as_json(self.hits),
            "facets": as_json(self.facets),
            "facet_distinct": self.facet_distinct,
            "suggestion": self.suggestion,
            "filter_matches": as_json(self.filter_matches),
            "filter_suggestions": as_json(self.filter_suggestions),
            "notice": self.notice,
        }

    def archive_names(self, name: str, value: str) -> list[str]:
        """The archive's spellings a filter value matched (empty when it has none)."""
        for item in self.filter_matches.get(name, []):
            if item.value == value:
                return list(item.matches)
        return []


@dataclass(slots=True)
class StoredArticle(JsonResult):
    """An article as the archive holds it: the corpus record (SPEC §3) and its shown title."""

    id: Annotated[str, Doc("The article's id.")]
    title: Annotated[str, Doc("The title as written.")]
    lead: Annotated[str, Doc("The lead paragraph.")]
    body: Annotated[list[str], Doc("The body's paragraphs.")]
    section: Annotated[str, Doc("The section path, levels joined by ' > '.")]
    published: Annotated[str, Doc("Publication time, ISO 8601 with its offset.")]
    updated: Annotated[str | None, Doc("Time of the last correction, ISO 8601.")]
    source: Annotated[str, Doc("Who published it.")]
    authors: Annotated[list[str], Doc("The authors.")]
    dateline: Annotated[str | None, Doc("Where the story was filed.")]
    language: Annotated[str, Doc("ISO 639-1 language code.")]
    tags: Annotated[list[str], Doc("The publisher's tags.")]
    url: Annotated[str | None, Doc("The article at its publisher.")]
    image_caption: Annotated[str | None, Doc("The caption of the article's image.")]
    entities: Annotated[Entities, Doc("People, organisations and places named, by type.")]
    display_title: Annotated[str, Doc("The title as lists and pages show it.")]

    def record(self) -> dict[str, Any]:
        """The corpus record: what an export writes, and what the importers read back."""
        data = self.to_dict()
        del data["display_title"]
        return data


@dataclass(slots=True)
class RelatedArticle(JsonResult):
    """An article sharing entities and distinctive words with another, and which entities."""

    id: Annotated[str, Doc("The article's id.")]
    url: Annotated[str, Doc("The article's page.")]
    title: Annotated[str, Doc("The title as lists show it.")]
    section: Annotated[str, Doc("The section path.")]
    published: Annotated[str, Doc("Publication time, ISO 8601 with its offset.")]
    shared_entities: Annotated[Entities, Doc("The entities both articles name, by type.")]


@dataclass(slots=True)
class MarkedArticle:
    """Title, lead, caption and body paragraphs as escaped HTML; `marked` if any word matched."""

    title_html: str
    lead_html: str
    caption_html: str
    paragraphs_html: list[str]
    marked: bool


@dataclass(slots=True)
class ArticleReading:
    """An article opened from a search: the article, its text marked, related articles."""

    article: StoredArticle
    marked: MarkedArticle
    related: list[RelatedArticle]


@dataclass(slots=True)
class Suggestion(JsonResult):
    """A completion of what a reader is typing: an entity or a title."""

    value: Annotated[str, Doc("The entity's name or the article's title.")]
    type: Annotated[str, Doc("person, organization, place, or title.")]
    count: Annotated[int | None, Doc("Entities: articles naming it.", omit_none=True)] = None
    id: Annotated[str | None, Doc("Titles: the article's id.", omit_none=True)] = None


@dataclass(slots=True)
class YearCount(JsonResult):
    year: Annotated[int, Doc("The year.")]
    count: Annotated[int, Doc("Articles in it.")]


@dataclass(slots=True)
class MonthCount(JsonResult):
    month: Annotated[str, Doc("The month, YYYY-MM.")]
    count: Annotated[int, Doc("Articles in it.")]


@dataclass(slots=True)
class CoMention(JsonResult):
    value: Annotated[str, Doc("The other entity's name.")]
    count: Annotated[int, Doc("Articles naming both.")]


@dataclass(slots=True)
class EntityReport(JsonResult):
    """One entity over the archive: articles per year and month, who else, the newest."""

    kind: Annotated[str, Doc("person, organization or place.", json="type")]
    name: Annotated[str, Doc("The name as the archive writes it.")]
    total: Annotated[int, Doc("Articles naming it.")]
    # Every year from the first to the last with an article, zeros included,
    # so that a chart has an unbroken time axis.
    by_year: Annotated[list[YearCount], Doc("Articles per year, first to last, zeros included.")]
    # Every month ("YYYY-MM") from the first to the last with an article.
    by_month: Annotated[list[MonthCount], Doc("Articles per month, first to last, zeros included.")]
    # Per entity type, the entities most often named in the same articles.
    co_mentioned: Annotated[
        dict[str, list[CoMention]],
        Doc("Per type, the entities most often named in the same articles."),
    ]
    # The newest articles naming the entity, as search hits.
    articles: Annotated[list[Hit], Doc("The newest articles naming it.")]

    @property
    def request(self) -> SearchRequest:
        """The search that lists all of the entity's articles (for "see all" links)."""
        return SearchRequest(filters=((self.kind, (self.name,)),), sort="newest")


@dataclass(slots=True)
class FacetValues(JsonResult):
    """The values of one facet in a result set that match a prefix."""

    facet: Annotated[str, Doc("The facet.")]
    prefix: Annotated[str, Doc("The prefix asked for, spaces collapsed.")]
    values: Annotated[list[FacetValue], Doc("Matching values, most frequent first (then by name).")]
    matching: Annotated[int, Doc("How many values match in all (more than listed when limited).")]


@dataclass(slots=True)
class IndexStats(JsonResult):
    """What the archive holds."""

    articles: Annotated[int, Doc("Articles in the index.")]
    sections: Annotated[dict[str, int], Doc("Articles per section (a parent counts its children).")]
    languages: Annotated[dict[str, int], Doc("Articles per language.")]
    years: Annotated[dict[str, int], Doc("Articles per year.")]
    index_bytes: Annotated[int, Doc("Size of the index on disk.")]
    built: Annotated[str | None, Doc("When the index was last built from scratch.")]
    updated: Annotated[str | None, Doc("When the index last changed.")]
    generation: Annotated[str, Doc("The index generation being served.")]


@dataclass(slots=True)
class Health(JsonResult):
    """Whether the archive can answer: ok, no index yet, or damaged."""

    status: Annotated[str, Doc("ok, no index, or damaged.")]
    generation: Annotated[str | None, Doc("The index generation being served.")]
    articles: Annotated[int, Doc("Articles in the index.")]
    version: Annotated[
        str | None, Doc("The index state (changes with every write).", omit_none=True)
    ] = None
    message: Annotated[str | None, Doc("What is wrong, when damaged.", omit_none=True)] = None


@dataclass(slots=True)
class Readiness(JsonResult):
    """Whether this process answers searches from the index's newest state."""

    ready: Annotated[bool, Doc("True when the index is open and its current state served.")]
    serving: Annotated[
        str | None, Doc("The index state searches are answered from (none open: null).")
    ]
    latest: Annotated[str | None, Doc("The index's newest state on disk (no index: null).")]
    reason: Annotated[str | None, Doc("Why not ready.", omit_none=True)] = None
