"""The OpenAPI 3.1 description of the JSON API, served at `/openapi.json` and `/api`.

The paths are written by hand as data, not derived from the views: they are
the contract developers build on, so they change on purpose; each endpoint's
description is one small function below. The schemas of what the archive
answers (a hit, an article, an entity report) are read off the result
dataclasses (`webapp.schemas`), so an answer and its description cannot
drift apart; only what a type cannot say (an enum, a minimum) is added here.
`tests/test_openapi.py` checks that every route is described and that real
answers match the schemas; schemathesis (`tests/test_schemathesis.py`) fuzzes
the app against it. Parameter limits come from the request model.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from indexer.archive.request import (
    DEFAULT_PER_PAGE,
    ENTITY_ARTICLES_LIMIT,
    FACET_VALUES_LIMIT,
    FACETS,
    FILTER_PARAMS,
    MAX_CLOSEST,
    MAX_ENTITY_LIMIT,
    MAX_EXPANDED_POSTINGS,
    MAX_EXPANDED_TERMS,
    MAX_FACET_LIMIT,
    MAX_FACET_PREFIX,
    MAX_FILTER_VALUE,
    MAX_FILTER_VALUES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_Q,
    MAX_SUGGESTED,
    SEARCHABLE_FACETS,
    SORTS,
)
from indexer.archive.results import (
    CoMention,
    EntityReport,
    FacetValue,
    FacetValues,
    FilterMatch,
    FilterSuggestion,
    Health,
    Hit,
    MonthCount,
    Readiness,
    RelatedArticle,
    StoredArticle,
    Suggestion,
    YearCount,
)
from indexer.ingest.article import ENTITY_TYPES
from webapp import editor_doc
from webapp.openapi_parts import (
    JSON,
    Schema,
    answer,
    error,
    nullable,
    object_schema,
    param,
    ref,
    schema_ref,
    strings,
)
from webapp.schemas import components, refine

DATE_PATTERN = "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"

# The result dataclasses, under the names the document has always given them.
RESULTS: dict[str, type] = {
    "Hit": Hit,
    "FacetValue": FacetValue,
    "FilterMatch": FilterMatch,
    "FilterSuggestion": FilterSuggestion,
    "Article": StoredArticle,
    "Related": RelatedArticle,
    "Suggestion": Suggestion,
    "EntityReport": EntityReport,
    "YearCount": YearCount,
    "MonthCount": MonthCount,
    "CoMention": CoMention,
    "FacetValues": FacetValues,
    "Health": Health,
    "Readiness": Readiness,
}

# Articles and hits name entities of every type (an empty list when none).
_ENTITIES = object_schema({kind: strings() for kind in ENTITY_TYPES})
_COUNT = {"minimum": 0}

# What the fields' types cannot say: enums, bounds, the limits of the request model.
CONSTRAINTS: dict[str, dict[str, Schema]] = {
    "Hit": {"entities": _ENTITIES},
    "Article": {"entities": _ENTITIES},
    "FacetValue": {"count": _COUNT, "depth": _COUNT},
    "FilterMatch": {"matches": {"minItems": 1}},
    "FilterSuggestion": {
        "closest": {
            "maxItems": MAX_CLOSEST,
            "description": (
                "The archive's values closest to it, best first: ask again with one"
                " of them in its place. Empty when none is close, and for the unknown"
                f" values of a request after the first {MAX_SUGGESTED}."
            ),
        }
    },
    "Suggestion": {"type": {"enum": [*ENTITY_TYPES, "title"]}},
    "EntityReport": {
        "type": {"enum": list(ENTITY_TYPES)},
        "total": {"minimum": 1},
        "co_mentioned": {"required": list(ENTITY_TYPES)},
    },
    "FacetValues": {"facet": {"enum": list(SEARCHABLE_FACETS)}, "matching": _COUNT},
    "Health": {"status": {"enum": ["ok", "no index", "damaged"]}, "articles": _COUNT},
}


def _filters_of(items: Schema) -> Schema:
    """Per filter parameter, a list of `items`."""
    return {
        "type": "object",
        "propertyNames": {"enum": list(FILTER_PARAMS)},
        "additionalProperties": {"type": "array", "items": items},
    }


_ERROR = {
    **object_schema(
        {
            "error": object_schema(
                {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "message": {"type": "string"},
                    "param": {
                        "type": "string",
                        "description": "The parameter at fault, when there is one.",
                    },
                },
                ["status", "message"],
            )
        }
    ),
    "description": "Every error answer (SPEC §8); never a stack trace.",
}

_QUERY = object_schema(
    {
        "q": {"type": "string"},
        "filters": _filters_of({"type": "string"}),
        "from": nullable("string"),
        "to": nullable("string"),
        "sort": {"enum": list(SORTS)},
    }
)

# Only present when there is something to say (webapp.parameters); on the search, facet,
# suggestion and entity answers.
WARNINGS: Schema = {
    "type": "array",
    "items": {"type": "string"},
    "description": (
        "Parameters the endpoint does not know, ignored: `tag: unknown parameter, ignored`."
        " Absent when there are none. A name one or two edits from a known parameter"
        " (`setcion`, `organisation`, `per-page`) is a 400 instead, since ignoring it would"
        " change the result."
    ),
}
_RESULT_FIELDS = (
    "total",
    "page",
    "per_page",
    "pages",
    "took_ms",
    "query",
    "description",
    "hits",
    "facets",
    "facet_distinct",
    "suggestion",
    "filter_matches",
    "filter_suggestions",
    "notice",
)

# The search result's top level is shaped by SearchResult.to_dict (SPEC §8); its parts
# are the generated components.
_SEARCH_RESULT = {
    **object_schema(
        {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "pages": {"type": "integer", "minimum": 1},
            "took_ms": {"type": "number"},
            "query": schema_ref("Query"),
            "description": {"type": "string", "description": "The search in words."},
            "hits": {"type": "array", "items": schema_ref("Hit")},
            "facets": {
                **object_schema(
                    {
                        name: {"type": "array", "items": schema_ref("FacetValue")}
                        for name in (*FACETS, "month")
                    },
                    list(FACETS),
                ),
                "description": (
                    "Counts are disjunctive; `month` when one year is chosen, or when the "
                    "matches span two years or less."
                ),
            },
            "facet_distinct": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
            "suggestion": {
                **nullable("string"),
                "description": "Did you mean (when few or no results).",
            },
            "filter_matches": {
                **_filters_of(schema_ref("FilterMatch")),
                "description": (
                    "Per filter, each value the archive has, with the spellings it matched"
                    " (values match folded for case and accents)."
                ),
            },
            "filter_suggestions": {
                **_filters_of(schema_ref("FilterSuggestion")),
                "description": (
                    "Per filter, each value the archive does not have (it matches no"
                    " article), with the closest values it does: did you mean."
                ),
            },
            "notice": {
                **nullable("string"),
                "description": "Set when the query was searched other than as written.",
            },
            "warnings": WARNINGS,
        },
        [*_RESULT_FIELDS],
    ),
    "description": "The result object of SPEC §8.",
}


def _schemas() -> dict[str, Schema]:
    generated = components(RESULTS)
    for name, constraints in CONSTRAINTS.items():
        generated[name] = refine(generated[name], constraints)
    return {
        "Error": _ERROR,
        "Query": _QUERY,
        "SearchResult": _SEARCH_RESULT,
        **generated,
        "ArticleAnswer": object_schema(
            {"article": schema_ref("Article"), "related": _array_of("Related")}
        ),
        "Suggestions": object_schema(
            {"q": {"type": "string"}, "suggestions": _array_of("Suggestion")}
        ),
    }


def _array_of(name: str) -> Schema:
    return {"type": "array", "items": schema_ref(name)}


RESPONSES: dict[str, Schema] = {
    "BadRequest": error(
        "A parameter cannot be used, or an unknown one looks like a misspelt known one"
        " (`setcion=`: did you mean `section`?); `param` names it."
    ),
    "NotFound": error("No such article, entity, facet or path."),
    "MethodNotAllowed": error("The path exists, not with this method; `Allow` lists them."),
    "PayloadTooLarge": error("The request body is over the limit."),
    "UnsupportedMediaType": error("The body's Content-Type is not accepted here."),
    "Unprocessable": error("The body is not a usable JSON object."),
    "NotReady": error("No index has been built yet."),
    "NotModified": {"description": "The client's copy (If-None-Match) is current."},
}

_CACHE_HEADERS = {
    "ETag": {
        "description": "Tied to the index state and the request.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"schema": {"type": "string"}},
}

_FILTER_DESCRIPTIONS = {
    "section": "A section path; includes its sub-sections (`Organizations > OSCE`).",
    "person": "A person's canonical name.",
    "organization": "An organization's canonical name.",
    "place": "A place's canonical name.",
    "language": "A language code (`en`, `de`).",
    "source": "A publisher.",
}
_FILTER_VALUE = {"type": "string", "maxLength": MAX_FILTER_VALUE}
_FILTER_VALUES = {"type": "array", "maxItems": MAX_FILTER_VALUES, "items": _FILTER_VALUE}

PARAMETERS: dict[str, Schema] = {
    "q": param(
        "q",
        {"type": "string", "maxLength": MAX_Q},
        'Words (all must match), "phrases", OR, NOT or -word, title:word, prefix*, word~, '
        "parentheses. Unreadable syntax is searched as plain words, with a notice. Prefixes "
        f"and fuzzy words standing for more than {MAX_EXPANDED_TERMS:,} indexed words (or "
        f"{MAX_EXPANDED_POSTINGS:,} postings of them) are a 400 naming the limit.",
    ),
    **{
        name: {
            **param(
                name,
                _FILTER_VALUES,
                _FILTER_DESCRIPTIONS[name] + " Repeat to OR values; filters are ANDed.",
            ),
            "style": "form",
            "explode": True,
        }
        for name in FILTER_PARAMS
    },
    "from": param(
        "from",
        {"type": "string", "pattern": DATE_PATTERN},
        "First day, inclusive: YYYY, YYYY-MM or YYYY-MM-DD (Vienna time).",
    ),
    "to": param(
        "to",
        {"type": "string", "pattern": DATE_PATTERN},
        "Last day, inclusive: YYYY, YYYY-MM or YYYY-MM-DD; not before `from`.",
    ),
    "sort": param(
        "sort", {"enum": list(SORTS), "default": "relevance"}, "Relevance (ties newest first)."
    ),
    "page": param(
        "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page."
    ),
    "per_page": param(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Hits per page.",
    ),
    "If-None-Match": param(
        "If-None-Match",
        {"type": "string"},
        "An ETag of an earlier answer: 304 when it is still current.",
        "header",
    ),
}

_SEARCH_PARAMS = ["q", *FILTER_PARAMS, "from", "to", "sort", "page", "per_page"]
_ERRORS = {"400": "BadRequest", "404": "NotFound", "503": "NotReady"}


def _params(*names: str) -> list[Schema]:
    return [ref("parameters", name) for name in names]


def _ok(description: str, schema: Schema, media_type: str = JSON) -> Schema:
    return answer(description, schema, media_type, _CACHE_HEADERS)


def _get(
    summary: str,
    description: str,
    parameters: list[Schema],
    ok: Schema,
    errors: tuple[str, ...] = ("400",),
    tag: str = "search",
) -> Schema:
    """A cached read: its answer, a 304 for a current copy, its errors and a 503 without index."""
    responses: dict[str, Schema] = {"200": ok, "304": ref("responses", "NotModified")}
    for status in (*errors, "503"):
        responses[status] = ref("responses", _ERRORS[status])
    return {
        "tags": [tag],
        "summary": summary,
        "description": description,
        "parameters": [*parameters, *_params("If-None-Match")],
        "responses": responses,
    }


# -- the paths: one function per endpoint ---------------------------------------------


def _search() -> Schema:
    body: Schema = {
        "type": "object",
        "description": "The query parameters as a JSON object; a filter may be a list.",
        "properties": {
            "q": {"type": "string", "maxLength": MAX_Q},
            **{name: {"oneOf": [_FILTER_VALUE, _FILTER_VALUES]} for name in FILTER_PARAMS},
            "from": {"type": "string", "pattern": DATE_PATTERN},
            "to": {"type": "string", "pattern": DATE_PATTERN},
            "sort": {"enum": list(SORTS)},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        },
    }
    post_errors = {
        "400": "BadRequest",
        "413": "PayloadTooLarge",
        "415": "UnsupportedMediaType",
        "422": "Unprocessable",
        "503": "NotReady",
    }
    return {
        "get": _get(
            "Search the archive",
            "Hits with highlights, disjunctive facet counts, total and did-you-mean (SPEC §6, §8).",
            _params(*_SEARCH_PARAMS),
            _ok("The result object.", schema_ref("SearchResult")),
        ),
        "post": {
            "tags": ["search"],
            "summary": "Search with the parameters in a JSON body",
            "description": "The same search as GET, for long filter lists. Not cached.",
            "requestBody": {"required": True, "content": {JSON: {"schema": body}}},
            "responses": {
                "200": answer("The result object.", schema_ref("SearchResult")),
                **{status: ref("responses", name) for status, name in post_errors.items()},
            },
        },
    }


def _export() -> Schema:
    ok = {
        "description": "One Article per line.",
        "headers": {
            **_CACHE_HEADERS,
            "X-Total-Count": {
                "description": "How many lines follow.",
                "schema": {"type": "string"},
            },
        },
        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
    }
    return {
        "get": _get(
            "Export every matching article",
            "All matches, however many, one article per line in the search's order "
            "(page and per_page are ignored); streamed with flat memory. Each line is "
            "a corpus record: the export can be indexed again.",
            _params(*_SEARCH_PARAMS),
            ok,
            tag="export",
        )
    }


def _article() -> Schema:
    return {
        "get": _get(
            "One article",
            "The whole article, its entities and its related articles.",
            [param("id", {"type": "string"}, "The article id.", "path")],
            _ok("The article.", schema_ref("ArticleAnswer")),
            ("404",),
            tag="articles",
        )
    }


def _suggest() -> Schema:
    return {
        "get": _get(
            "Completions while typing",
            "Entities and titles starting with the words typed (at least 2 characters).",
            [param("q", {"type": "string", "maxLength": MAX_Q}, "What has been typed.")],
            _ok("Completions.", schema_ref("Suggestions")),
        )
    }


def _limit(default: int, high: int, what: str) -> Schema:
    schema = {"type": "integer", "minimum": 1, "maximum": high}
    return param("limit", schema, f"{what} (default {default}).")


def _entity() -> Schema:
    return {
        "get": _get(
            "An entity's coverage",
            "Articles per year and month, entities most often named with it, its newest "
            "articles. The name is matched exactly, else ignoring case.",
            [
                param("type", {"enum": list(ENTITY_TYPES)}, "The kind of entity.", "path"),
                param("name", {"type": "string"}, "The entity's name.", "path"),
                _limit(
                    ENTITY_ARTICLES_LIMIT,
                    MAX_ENTITY_LIMIT,
                    "Co-mentioned entities per type and articles",
                ),
            ],
            _ok("The report.", schema_ref("EntityReport")),
            ("400", "404"),
            tag="entities",
        )
    }


def _facet() -> Schema:
    return {
        "get": _get(
            "Search a facet's values within a result set",
            "The values of one facet over the search's result set (counted disjunctively) "
            "whose name or one of its words starts with `prefix`, most frequent first.",
            [
                param("name", {"enum": list(SEARCHABLE_FACETS)}, "The facet.", "path"),
                param(
                    "prefix",
                    {"type": "string", "maxLength": MAX_FACET_PREFIX},
                    "The start of a value or of a word in it (any case).",
                ),
                _limit(FACET_VALUES_LIMIT, MAX_FACET_LIMIT, "Values to list"),
                *_params(*_SEARCH_PARAMS),
            ],
            _ok("The matching values.", schema_ref("FacetValues")),
            ("400", "404"),
        )
    }


def _feed() -> Schema:
    return {
        "get": _get(
            "A search as an Atom feed",
            "The newest matching articles (20 unless per_page is given), to follow a "
            "saved search in a feed reader.",
            _params(*_SEARCH_PARAMS),
            _ok("An Atom 1.0 feed.", {"type": "string"}, "application/atom+xml"),
            tag="feeds",
        )
    }


def _health() -> Schema:
    health = schema_ref("Health")
    return {
        "get": {
            "tags": ["service"],
            "summary": "Health",
            "description": "Liveness: the index generation, article count and version of "
            "the state this process last searched (no index read, under a millisecond); "
            "503 without an index or with a damaged one.",
            "responses": {
                "200": answer("Serving.", health),
                "503": answer(
                    "No index, or a damaged one (`message` says how to repair it).", health
                ),
            },
        }
    }


def _ready() -> Schema:
    readiness = schema_ref("Readiness")
    return {
        "get": {
            "tags": ["service"],
            "summary": "Readiness",
            "description": "Whether this worker answers from the index's newest state; "
            "a worker that has not opened it yet (first start, another worker's write) "
            "opens it first, as its next search would.",
            "responses": {
                "200": answer("Ready.", readiness),
                "503": answer("Not ready: no index, or a damaged one (`reason`).", readiness),
            },
        }
    }


def _document_path() -> Schema:
    return {
        "get": {
            "tags": ["service"],
            "summary": "This document",
            "responses": {
                "200": _ok("OpenAPI 3.1.", {"type": "object"}),
                "304": ref("responses", "NotModified"),
            },
        }
    }


PATHS: dict[str, Callable[[], Schema]] = {
    "/api/search": _search,
    "/api/search.ndjson": _export,
    "/api/articles/{id}": _article,
    "/api/suggest": _suggest,
    "/api/entities/{type}/{name}": _entity,
    "/api/facets/{name}": _facet,
    "/search.atom": _feed,
    "/healthz": _health,
    "/readyz": _ready,
    "/openapi.json": _document_path,
}


@functools.cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Vindex API",
            "version": "1.0.0",
            "summary": "Search a news archive: words, filters, facets, articles, entities.",
            "description": (
                "Read endpoints answer GET (and HEAD) with JSON, an ETag tied to the index "
                "state and the request (send it back in If-None-Match for a 304), "
                "Cache-Control, gzip when asked, and CORS for the configured origins. "
                'Every error is JSON, `{"error": {"status", "message", "param"}}`, '
                "with `param` naming a bad parameter; a method a path does not take is a "
                "405 with `Allow`; an unknown path a 404. Parameter values must be UTF-8 "
                "once percent-decoded."
            ),
        },
        "tags": [
            {"name": "search", "description": "Searching and narrowing."},
            {"name": "export", "description": "Whole result sets."},
            {"name": "articles", "description": "Single articles."},
            {"name": "entities", "description": "People, organizations, places."},
            {"name": "feeds", "description": "Searches as Atom feeds."},
            {"name": "service", "description": "Health and this description."},
            {"name": "editors", "description": "Adding, correcting, removing; with the token."},
        ],
        "paths": editor_doc.merge({path: build() for path, build in PATHS.items()}),
        "components": {
            "schemas": {**_schemas(), **editor_doc.SCHEMAS},
            "parameters": PARAMETERS,
            "responses": RESPONSES,
            "securitySchemes": editor_doc.SECURITY_SCHEMES,
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (a fresh copy: callers may change theirs)."""
    return copy.deepcopy(_document())
