"""The OpenAPI 3.1 description of the JSON API, served at `/openapi.json` and `/api`.

Written by hand as data, not derived from the views: it is the contract
developers build on, so it changes on purpose. `tests/test_openapi.py` checks
that every route is described and that real answers match the schemas;
schemathesis (`tests/test_schemathesis.py`) fuzzes the app against it.
Parameter limits come from the request model, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from indexer.archive.request import (
    DEFAULT_PER_PAGE,
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
from indexer.ingest.article import ENTITY_TYPES
from webapp import editor_doc

Schema = dict[str, Any]

DATE_PATTERN = "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
JSON = "application/json"


def _ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def _schema(name: str) -> Schema:
    return _ref("schemas", name)


def _strings() -> Schema:
    return {"type": "array", "items": {"type": "string"}}


def _nullable(kind: str) -> Schema:
    return {"type": [kind, "null"]}


def _object(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


_ENTITIES = _object({kind: _strings() for kind in ENTITY_TYPES})

_ARTICLE: dict[str, Schema] = {
    "id": {"type": "string"},
    "title": {"type": "string"},
    "lead": {"type": "string"},
    "body": {**_strings(), "description": "Paragraphs."},
    "section": {"type": "string"},
    "published": {"type": "string"},
    "updated": _nullable("string"),
    "source": {"type": "string"},
    "authors": _strings(),
    "dateline": _nullable("string"),
    "language": {"type": "string"},
    "tags": _strings(),
    "url": {**_nullable("string"), "description": "The canonical URL, if known."},
    "image_caption": _nullable("string"),
    "entities": _ENTITIES,
    "display_title": {
        "type": "string",
        "description": "GET /api/articles/{id} only: the title as lists show it "
        "(a title in capitals in headline case; `title` is as written).",
    },
}


SCHEMAS: dict[str, Schema] = {
    "Error": {
        **_object(
            {
                "error": _object(
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
    },
    "Hit": _object(
        {
            "id": {"type": "string"},
            "url": {"type": "string", "description": "The article's page on this site."},
            "title": {
                "type": "string",
                "description": "The title as shown: one in capitals in headline case.",
            },
            "title_html": {
                "type": "string",
                "description": "The title, HTML-escaped, matched words in `<mark>`.",
            },
            "snippet_html": {
                "type": "string",
                "description": "One or two passages of lead and body, escaped and marked.",
            },
            "section": {"type": "string"},
            "published": {"type": "string", "description": "ISO 8601 with its offset."},
            "language": {"type": "string"},
            "source": {"type": "string"},
            "authors": _strings(),
            "score": {"type": "number"},
            "entities": _ENTITIES,
        }
    ),
    "FacetValue": _object(
        {
            "value": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "selected": {"type": "boolean"},
            "depth": {
                "type": "integer",
                "minimum": 0,
                "description": "Sections only: how deep in the section tree.",
            },
        },
        ["value", "count", "selected"],
    ),
    "FilterMatch": _object(
        {
            "value": {"type": "string", "description": "The value as asked."},
            "matches": {
                **_strings(),
                "minItems": 1,
                "description": "The archive's spellings of it, most used first.",
            },
        }
    ),
    "FilterSuggestion": _object(
        {
            "value": {"type": "string", "description": "The value as asked."},
            "closest": {
                **_strings(),
                "maxItems": MAX_CLOSEST,
                "description": (
                    "The archive's values closest to it, best first: ask again with one"
                    f" of them in its place. Empty when none is close, and for the unknown"
                    f" values of a request after the first {MAX_SUGGESTED}."
                ),
            },
        }
    ),
    "Query": _object(
        {
            "q": {"type": "string"},
            "filters": {
                "type": "object",
                "propertyNames": {"enum": list(FILTER_PARAMS)},
                "additionalProperties": _strings(),
            },
            "from": _nullable("string"),
            "to": _nullable("string"),
            "sort": {"enum": list(SORTS)},
        }
    ),
    "SearchResult": {
        **_object(
            {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "pages": {"type": "integer", "minimum": 1},
                "took_ms": {"type": "number"},
                "query": _schema("Query"),
                "description": {"type": "string", "description": "The search in words."},
                "hits": {"type": "array", "items": _schema("Hit")},
                "facets": {
                    **_object(
                        {
                            name: {"type": "array", "items": _schema("FacetValue")}
                            for name in (*FACETS, "month")
                        },
                        list(FACETS),
                    ),
                    "description": "Counts are disjunctive; `month` only when one year is chosen.",
                },
                "facet_distinct": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
                "suggestion": {
                    **_nullable("string"),
                    "description": "Did you mean (when few or no results).",
                },
                "filter_matches": {
                    "type": "object",
                    "propertyNames": {"enum": list(FILTER_PARAMS)},
                    "additionalProperties": {"type": "array", "items": _schema("FilterMatch")},
                    "description": (
                        "Per filter, each value the archive has, with the spellings it matched"
                        " (values match folded for case and accents)."
                    ),
                },
                "filter_suggestions": {
                    "type": "object",
                    "propertyNames": {"enum": list(FILTER_PARAMS)},
                    "additionalProperties": {
                        "type": "array",
                        "items": _schema("FilterSuggestion"),
                    },
                    "description": (
                        "Per filter, each value the archive does not have (it matches no"
                        " article), with the closest values it does: did you mean."
                    ),
                },
                "notice": {
                    **_nullable("string"),
                    "description": "Set when the query was searched other than as written.",
                },
            }
        ),
        "description": "The result object of SPEC §8.",
    },
    "Article": {
        **_object(
            _ARTICLE,
            required=[name for name in _ARTICLE if name != "display_title"],
        ),
        "description": "A whole article, with the corpus field names (SPEC §3).",
    },
    "Related": _object(
        {
            "id": {"type": "string"},
            "url": {"type": "string"},
            "title": {"type": "string"},
            "section": {"type": "string"},
            "published": {"type": "string"},
            "shared_entities": {"type": "object", "additionalProperties": _strings()},
        }
    ),
    "ArticleAnswer": _object(
        {"article": _schema("Article"), "related": {"type": "array", "items": _schema("Related")}}
    ),
    "Suggestions": _object(
        {
            "q": {"type": "string"},
            "suggestions": {
                "type": "array",
                "items": _object(
                    {
                        "value": {"type": "string"},
                        "type": {"enum": [*ENTITY_TYPES, "title"]},
                        "count": {"type": "integer", "description": "Entities: articles."},
                        "id": {"type": "string", "description": "Titles: the article id."},
                    },
                    ["value", "type"],
                ),
            },
        }
    ),
    "EntityReport": _object(
        {
            "type": {"enum": list(ENTITY_TYPES)},
            "name": {"type": "string", "description": "As the archive writes it."},
            "total": {"type": "integer", "minimum": 1},
            "by_year": {
                "type": "array",
                "items": _object({"year": {"type": "integer"}, "count": {"type": "integer"}}),
                "description": "Every year from the first to the last article, zeros included.",
            },
            "by_month": {
                "type": "array",
                "items": _object({"month": {"type": "string"}, "count": {"type": "integer"}}),
                "description": "Every month (YYYY-MM) from the first to the last article.",
            },
            "co_mentioned": _object(
                {
                    kind: {
                        "type": "array",
                        "items": _object(
                            {"value": {"type": "string"}, "count": {"type": "integer"}}
                        ),
                    }
                    for kind in ENTITY_TYPES
                }
            ),
            "articles": {
                "type": "array",
                "items": _schema("Hit"),
                "description": "The newest articles naming it.",
            },
        }
    ),
    "FacetValues": _object(
        {
            "facet": {"enum": list(SEARCHABLE_FACETS)},
            "prefix": {"type": "string"},
            "values": {"type": "array", "items": _schema("FacetValue")},
            "matching": {"type": "integer", "minimum": 0},
        }
    ),
    "Health": _object(
        {
            "status": {"enum": ["ok", "no index", "damaged"]},
            "generation": _nullable("string"),
            "version": {"type": "string", "description": "Generation and update, as in ETags."},
            "articles": {"type": "integer", "minimum": 0},
            "message": {"type": "string", "description": "What is wrong, and how to repair it."},
        },
        ["status", "generation", "articles"],
    ),
}


def _error(description: str) -> Schema:
    return {"description": description, "content": {JSON: {"schema": _schema("Error")}}}


RESPONSES: dict[str, Schema] = {
    "BadRequest": _error("A parameter cannot be used; `param` names it."),
    "NotFound": _error("No such article, entity, facet or path."),
    "MethodNotAllowed": _error("The path exists, not with this method; `Allow` lists them."),
    "PayloadTooLarge": _error("The request body is over the limit."),
    "UnsupportedMediaType": _error("The body's Content-Type is not accepted here."),
    "Unprocessable": _error("The body is not a usable JSON object."),
    "NotReady": _error("No index has been built yet."),
    "NotModified": {"description": "The client's copy (If-None-Match) is current."},
}

_CACHE_HEADERS = {
    "ETag": {
        "description": "Tied to the index state and the request.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"schema": {"type": "string"}},
}


def _param(name: str, schema: Schema, description: str, where: str = "query") -> Schema:
    return {"name": name, "in": where, "description": description, "schema": schema}


_FILTER_DESCRIPTIONS = {
    "section": "A section path; includes its sub-sections (`Organizations > OSCE`).",
    "person": "A person's canonical name.",
    "organization": "An organisation's canonical name.",
    "place": "A place's canonical name.",
    "language": "A language code (`en`, `de`).",
    "source": "A publisher.",
}

PARAMETERS: dict[str, Schema] = {
    "q": _param(
        "q",
        {"type": "string", "maxLength": MAX_Q},
        'Words (all must match), "phrases", OR, NOT or -word, title:word, prefix*, word~, '
        "parentheses. Unreadable syntax is searched as plain words, with a notice. Prefixes "
        f"and fuzzy words standing for more than {MAX_EXPANDED_TERMS:,} indexed words (or "
        f"{MAX_EXPANDED_POSTINGS:,} postings of them) are a 400 naming the limit.",
    ),
    **{
        name: {
            **_param(
                name,
                {
                    "type": "array",
                    "maxItems": MAX_FILTER_VALUES,
                    "items": {"type": "string", "maxLength": MAX_FILTER_VALUE},
                },
                _FILTER_DESCRIPTIONS[name] + " Repeat to OR values; filters are ANDed.",
            ),
            "style": "form",
            "explode": True,
        }
        for name in FILTER_PARAMS
    },
    "from": _param(
        "from",
        {"type": "string", "pattern": DATE_PATTERN},
        "First day, inclusive: YYYY, YYYY-MM or YYYY-MM-DD (Vienna time).",
    ),
    "to": _param(
        "to",
        {"type": "string", "pattern": DATE_PATTERN},
        "Last day, inclusive: YYYY, YYYY-MM or YYYY-MM-DD; not before `from`.",
    ),
    "sort": _param(
        "sort", {"enum": list(SORTS), "default": "relevance"}, "Relevance (ties newest first)."
    ),
    "page": _param(
        "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page."
    ),
    "per_page": _param(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Hits per page.",
    ),
    "If-None-Match": _param(
        "If-None-Match",
        {"type": "string"},
        "An ETag of an earlier answer: 304 when it is still current.",
        "header",
    ),
}

_SEARCH_PARAMS = ["q", *FILTER_PARAMS, "from", "to", "sort", "page", "per_page"]


def _params(*names: str) -> list[Schema]:
    return [_ref("parameters", name) for name in names]


def _ok(description: str, schema: Schema, media_type: str = JSON) -> Schema:
    return {
        "description": description,
        "headers": _CACHE_HEADERS,
        "content": {media_type: {"schema": schema}},
    }


def _get(
    summary: str,
    description: str,
    parameters: list[Schema],
    ok: Schema,
    errors: tuple[str, ...] = ("400",),
    tag: str = "search",
) -> Schema:
    responses: dict[str, Schema] = {"200": ok, "304": _ref("responses", "NotModified")}
    names = {"400": "BadRequest", "404": "NotFound", "503": "NotReady"}
    for status in (*errors, "503"):
        responses[status] = _ref("responses", names[status])
    return {
        "tags": [tag],
        "summary": summary,
        "description": description,
        "parameters": [*parameters, *_params("If-None-Match")],
        "responses": responses,
    }


def _paths() -> dict[str, Schema]:
    search_params = _params(*_SEARCH_PARAMS)
    body_schema: Schema = {
        "type": "object",
        "description": "The query parameters as a JSON object; a filter may be a list.",
        "properties": {
            "q": {"type": "string", "maxLength": MAX_Q},
            **{
                name: {
                    "oneOf": [
                        {"type": "string", "maxLength": MAX_FILTER_VALUE},
                        {
                            "type": "array",
                            "maxItems": MAX_FILTER_VALUES,
                            "items": {"type": "string", "maxLength": MAX_FILTER_VALUE},
                        },
                    ]
                }
                for name in FILTER_PARAMS
            },
            "from": {"type": "string", "pattern": DATE_PATTERN},
            "to": {"type": "string", "pattern": DATE_PATTERN},
            "sort": {"enum": list(SORTS)},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        },
    }
    search_get = _get(
        "Search the archive",
        "Hits with highlights, disjunctive facet counts, total and did-you-mean (SPEC §6, §8).",
        search_params,
        _ok("The result object.", _schema("SearchResult")),
    )
    search_post = {
        "tags": ["search"],
        "summary": "Search with the parameters in a JSON body",
        "description": "The same search as GET, for long filter lists. Not cached.",
        "requestBody": {"required": True, "content": {JSON: {"schema": body_schema}}},
        "responses": {
            "200": {
                "description": "The result object.",
                "content": {JSON: {"schema": _schema("SearchResult")}},
            },
            "400": _ref("responses", "BadRequest"),
            "413": _ref("responses", "PayloadTooLarge"),
            "415": _ref("responses", "UnsupportedMediaType"),
            "422": _ref("responses", "Unprocessable"),
            "503": _ref("responses", "NotReady"),
        },
    }
    entity_type = _param("type", {"enum": list(ENTITY_TYPES)}, "The kind of entity.", "path") | {
        "required": True
    }
    return {
        "/api/search": {"get": search_get, "post": search_post},
        "/api/search.ndjson": {
            "get": _get(
                "Export every matching article",
                "All matches, however many, one article per line in the search's order "
                "(page and per_page are ignored); streamed with flat memory. Each line is "
                "a corpus record: the export can be indexed again.",
                search_params,
                {
                    "description": "One Article per line.",
                    "headers": {
                        **_CACHE_HEADERS,
                        "X-Total-Count": {
                            "description": "How many lines follow.",
                            "schema": {"type": "string"},
                        },
                    },
                    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                },
                tag="export",
            )
        },
        "/api/articles/{id}": {
            "get": _get(
                "One article",
                "The whole article, its entities and its related articles.",
                [_param("id", {"type": "string"}, "The article id.", "path") | {"required": True}],
                _ok("The article.", _schema("ArticleAnswer")),
                ("404",),
                tag="articles",
            )
        },
        "/api/suggest": {
            "get": _get(
                "Completions while typing",
                "Entities and titles starting with the words typed (at least 2 characters).",
                [_param("q", {"type": "string", "maxLength": MAX_Q}, "What has been typed.")],
                _ok("Completions.", _schema("Suggestions")),
                tag="search",
            )
        },
        "/api/entities/{type}/{name}": {
            "get": _get(
                "An entity's coverage",
                "Articles per year and month, entities most often named with it, its newest "
                "articles. The name is matched exactly, else ignoring case.",
                [
                    entity_type,
                    _param("name", {"type": "string"}, "The entity's name.", "path")
                    | {"required": True},
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": MAX_ENTITY_LIMIT},
                        "Co-mentioned entities per type and articles (default 10).",
                    ),
                ],
                _ok("The report.", _schema("EntityReport")),
                ("400", "404"),
                tag="entities",
            )
        },
        "/api/facets/{name}": {
            "get": _get(
                "Search a facet's values within a result set",
                "The values of one facet over the search's result set (counted disjunctively) "
                "whose name or one of its words starts with `prefix`, most frequent first.",
                [
                    _param("name", {"enum": list(SEARCHABLE_FACETS)}, "The facet.", "path")
                    | {"required": True},
                    _param(
                        "prefix",
                        {"type": "string", "maxLength": MAX_FACET_PREFIX},
                        "The start of a value or of a word in it (any case).",
                    ),
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": MAX_FACET_LIMIT},
                        "Values to list (default 20).",
                    ),
                    *search_params,
                ],
                _ok("The matching values.", _schema("FacetValues")),
                ("400", "404"),
                tag="search",
            )
        },
        "/search.atom": {
            "get": _get(
                "A search as an Atom feed",
                "The newest matching articles (20 unless per_page is given), to follow a "
                "saved search in a feed reader.",
                search_params,
                _ok("An Atom 1.0 feed.", {"type": "string"}, "application/atom+xml"),
                tag="feeds",
            )
        },
        "/healthz": {
            "get": {
                "tags": ["service"],
                "summary": "Health",
                "description": "The index generation and article count; 503 without an "
                "index or with a damaged one.",
                "responses": {
                    "200": {
                        "description": "Serving.",
                        "content": {JSON: {"schema": _schema("Health")}},
                    },
                    "503": {
                        "description": "No index, or a damaged one (`message` says how to "
                        "repair it).",
                        "content": {JSON: {"schema": _schema("Health")}},
                    },
                },
            }
        },
        "/openapi.json": {
            "get": {
                "tags": ["service"],
                "summary": "This document",
                "responses": {
                    "200": _ok("OpenAPI 3.1.", {"type": "object"}),
                    "304": _ref("responses", "NotModified"),
                },
            }
        },
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
            {"name": "entities", "description": "People, organisations, places."},
            {"name": "feeds", "description": "Searches as Atom feeds."},
            {"name": "service", "description": "Health and this description."},
            {"name": "editors", "description": "Adding, correcting, removing; with the token."},
        ],
        "paths": editor_doc.merge(_paths()),
        "components": {
            "schemas": {**SCHEMAS, **editor_doc.SCHEMAS},
            "parameters": PARAMETERS,
            "responses": RESPONSES,
            "securitySchemes": editor_doc.SECURITY_SCHEMES,
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (a fresh copy: callers may change theirs)."""
    return copy.deepcopy(_document())
