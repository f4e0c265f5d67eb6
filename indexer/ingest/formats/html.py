"""HTML article pages: schema.org `NewsArticle` JSON-LD, else OpenGraph meta tags.

News sites describe an article for search engines and social networks in two
ways, and this reader uses both. The schema.org JSON-LD block
(`<script type="application/ld+json">`, one object, a list, or an `@graph`)
gives the richest data: headline, description, articleBody, section, dates,
authors, publisher, keywords, and the people, organisations and places it is
`about` or `mentions`. OpenGraph and `article:*` meta tags (and `<title>`,
`<html lang>`, `<link rel=canonical>`) fill what JSON-LD leaves out, or stand
in for it. The body, when JSON-LD has no `articleBody`, is the text of the
page's `<p>` elements inside `<article>` (else `<main>`, else `<body>`), leaving
out navigation, headers, footers, asides and figures.

`paragraphs_of_html` and `text_of_html` turn HTML fragments (feed descriptions
and content) into plain text for the other readers.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning

from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import Record
from indexer.ingest.formats.json_format import load_json

# schema.org types whose objects are the article itself.
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "AnalysisNewsArticle",
        "AskPublicNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReportageNewsArticle",
        "ReviewNewsArticle",
        "SatiricalArticle",
        "Report",
        "BlogPosting",
        "LiveBlogPosting",
    }
)

# schema.org types of `about` / `mentions` items, mapped to our entity types.
_ENTITY_TYPES = {
    "Person": "person",
    "Organization": "organization",
    "GovernmentOrganization": "organization",
    "NGO": "organization",
    "Corporation": "organization",
    "EducationalOrganization": "organization",
    "NewsMediaOrganization": "organization",
    "PoliticalParty": "organization",
    "SportsOrganization": "organization",
    "Place": "place",
    "City": "place",
    "Country": "place",
    "State": "place",
    "AdministrativeArea": "place",
    "Continent": "place",
    "LandmarksOrHistoricalBuildings": "place",
}

# Elements whose paragraphs are not the article's text.
_NOT_BODY = frozenset({"nav", "header", "footer", "script", "style", "aside", "figure", "form"})

_BLANK_LINE = re.compile(r"\n\s*\n")
# Elements of a fragment whose content is no text a reader sees.
_INVISIBLE = ["script", "style", "template", "applet"]
# JSON-LD blocks nested deeper are skipped (see `_json_ld_article`).
MAX_JSON_LD_NESTING = 32


def read(data: bytes, path: Path) -> Iterator[Record]:
    # Bytes, not text: BeautifulSoup honours the page's declared charset.
    try:
        soup = _soup(data)
    except ValueError:
        # A declared charset with a control character in its name, which lxml
        # refuses outright ("All strings must be XML compatible"): UTF-8 then.
        soup = _soup(data, encoding="utf-8")
    article = _json_ld_article(soup)
    meta = _meta_tags(soup)
    if article is None and not any(key.startswith(("og:", "article:")) for key in meta):
        raise CorpusError("no NewsArticle JSON-LD or OpenGraph metadata", path=path)
    record = _from_meta(soup, meta)
    if article is not None:
        # JSON-LD wins; meta tags only fill its gaps.
        record.update({k: v for k, v in _from_json_ld(article).items() if v})
    if not record.get("body"):
        record["body"] = _page_paragraphs(soup)
    if not record.get("image_caption"):
        record["image_caption"] = _page_caption(soup)
    yield Record(record)


# HTML to text -----------------------------------------------------------------


def _soup(markup: str | bytes, encoding: str | None = None) -> BeautifulSoup:
    with warnings.catch_warnings():
        # A fragment that happens to look like a URL or file name is still text, and
        # an XHTML page is still HTML: neither warning applies to corpus input.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, "lxml", from_encoding=encoding)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return soup


def _text(element: Tag) -> str:
    return " ".join(element.get_text().split())


def text_of_html(markup: str) -> str:
    """The text of an HTML fragment, on one line."""
    return " ".join(paragraphs_of_html(markup))


def paragraphs_of_html(markup: str) -> list[str]:
    """The paragraphs of an HTML fragment: its `<p>`s, else its text split on blank lines."""
    soup = _soup(markup)
    for element in soup.find_all(_INVISIBLE):
        element.decompose()
    paragraphs = [_text(p) for p in soup.find_all("p")]
    if not any(paragraphs):
        paragraphs = [" ".join(part.split()) for part in _BLANK_LINE.split(soup.get_text())]
    return [p for p in paragraphs if p]


# JSON-LD ------------------------------------------------------------------------


def _json_ld_article(soup: BeautifulSoup) -> dict[str, Any] | None:
    """The first article object among the page's JSON-LD blocks, references resolved."""
    nodes: list[dict[str, Any]] = []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            value = load_json(script.get_text())
        except ValueError:
            # A broken block is skipped: the meta tags may still describe the article.
            continue
        if _depth(value) > MAX_JSON_LD_NESTING:
            # Read recursively below; real metadata is a few levels deep.
            continue
        nodes.extend(_flatten(value))
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    for node in nodes:
        candidates = [node, _resolve(node.get("mainEntity"), by_id)]
        for candidate in candidates:
            if isinstance(candidate, dict) and _types(candidate) & ARTICLE_TYPES:
                return {key: _resolve(value, by_id) for key, value in candidate.items()}
    return None


def _depth(value: object) -> int:
    """How deep lists and objects nest in a JSON value (without recursing)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_LD_NESTING:
                stack.extend((child, depth + 1) for child in item)
    return deepest


def _flatten(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _flatten(value["@graph"])


def _resolve(value: object, by_id: Mapping[str, dict[str, Any]]) -> Any:
    """A bare `{"@id": ...}` reference replaced by the node it names (one level)."""
    if isinstance(value, list):
        return [_resolve(item, by_id) for item in value]
    if isinstance(value, dict) and set(value) == {"@id"} and value["@id"] in by_id:
        return by_id[value["@id"]]
    return value


def _types(node: Mapping[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    # `schema:NewsArticle` and `https://schema.org/NewsArticle` are NewsArticle too.
    return {re.split(r"[/:]", v)[-1] for v in values if isinstance(v, str)}


def _string(value: object, *keys: str) -> str:
    """A JSON-LD value as text: a string, a number, or the first of `keys` of an object."""
    if isinstance(value, list):
        return next((s for s in (_string(v, *keys) for v in value) if s), "")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        for key in (*keys, "@value"):
            text = _string(value.get(key))
            if text:
                return text
    return ""


def _name_list(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = [_string(item, "name") for item in items]
    return [name for name in names if name]


def _keywords(value: object) -> list[str]:
    if isinstance(value, str):
        return [word.strip() for word in value.split(",") if word.strip()]
    return _name_list(value)


def _section(value: object) -> str | list[str]:
    if isinstance(value, list):
        return [part for part in (_string(v) for v in value) if part]
    return _string(value)


def _entities(article: Mapping[str, Any]) -> dict[str, list[str]]:
    # Dicts keep the names in order and find a repeated one in constant time.
    found: dict[str, dict[str, None]] = {"person": {}, "organization": {}, "place": {}}
    for key in ("about", "mentions"):
        value = article.get(key)
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            kind = next((_ENTITY_TYPES[t] for t in _types(item) if t in _ENTITY_TYPES), None)
            name = _string(item.get("name"))
            if kind and name:
                found[kind][name] = None
    return {kind: list(names) for kind, names in found.items()}


def _from_json_ld(article: Mapping[str, Any]) -> dict[str, Any]:
    body = article.get("articleBody")
    image = article.get("image")
    return {
        "id": _string(article.get("identifier"), "value", "@id"),
        "title": _string(article.get("headline")) or _string(article.get("name")),
        "lead": _string(article.get("description")),
        "body": [p.strip() for p in _BLANK_LINE.split(body)] if isinstance(body, str) else [],
        "section": _section(article.get("articleSection")),
        "published": _string(article.get("datePublished")),
        "updated": _string(article.get("dateModified")),
        "source": _string(article.get("publisher"), "name"),
        "authors": _name_list(article.get("author")),
        "dateline": _string(article.get("dateline")),
        "language": _string(article.get("inLanguage"), "alternateName"),
        "tags": _keywords(article.get("keywords")),
        "url": _string(article.get("url")) or _string(article.get("mainEntityOfPage"), "@id"),
        "image_caption": _string(image, "caption") if isinstance(image, dict | list) else "",
        "entities": _entities(article),
    }


# Meta tags and the page ---------------------------------------------------------


def _meta_tags(soup: BeautifulSoup) -> dict[str, list[str]]:
    """`<meta property|name|itemprop=... content=...>` values by lower-cased key."""
    meta: dict[str, list[str]] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            meta.setdefault(key.strip().lower(), []).append(content.strip())
    return meta


def _first(meta: Mapping[str, list[str]], *keys: str) -> str:
    return next((meta[key][0] for key in keys if key in meta), "")


def _from_meta(soup: BeautifulSoup, meta: Mapping[str, list[str]]) -> dict[str, Any]:
    title_tag = soup.find("title")
    canonical = soup.find("link", rel="canonical")
    html_tag = soup.find("html")
    authors = [a for a in meta.get("article:author", []) if not a.startswith(("http:", "https:"))]
    tags = list(meta.get("article:tag", []))
    if not tags and "keywords" in meta:
        tags = _keywords(meta["keywords"][0])
    return {
        "title": _first(meta, "og:title") or (_text(title_tag) if title_tag else ""),
        "lead": _first(meta, "og:description", "description"),
        "section": _first(meta, "article:section"),
        "published": _first(
            meta, "article:published_time", "datepublished", "date", "dc.date", "dcterms.date"
        )
        or _page_time(soup),
        "updated": _first(meta, "article:modified_time", "og:updated_time", "datemodified"),
        "source": _first(meta, "og:site_name"),
        "authors": authors or meta.get("author", []),
        "language": _attribute(html_tag, "lang") or _first(meta, "og:locale"),
        "tags": tags,
        "url": _first(meta, "og:url") or _attribute(canonical, "href"),
    }


def _attribute(tag: object, name: str) -> str:
    if isinstance(tag, Tag):
        value = tag.get(name)
        if isinstance(value, str):
            return value.strip()
    return ""


def _container(soup: BeautifulSoup) -> Tag | None:
    for name in ("article", "main", "body"):
        found = soup.find(name)
        if isinstance(found, Tag):
            return found
    return None


def _in_body(element: Tag, container: Tag) -> bool:
    for parent in element.parents:
        if parent is container:
            return True
        if parent.name in _NOT_BODY:
            return False
    return True


def _page_paragraphs(soup: BeautifulSoup) -> list[str]:
    container = _container(soup)
    if container is None:
        return []
    paragraphs = [_text(p) for p in container.find_all("p") if _in_body(p, container)]
    return [p for p in paragraphs if p]


def _page_caption(soup: BeautifulSoup) -> str:
    container = _container(soup)
    caption = container.find("figcaption") if container else None
    return _text(caption) if isinstance(caption, Tag) else ""


def _page_time(soup: BeautifulSoup) -> str:
    container = _container(soup)
    time = container.find("time", datetime=True) if container else None
    return _attribute(time, "datetime")
