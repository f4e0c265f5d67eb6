"""The article: the unit the archive stores, indexes and shows.

Every file format is read into a plain mapping with the field names of SPEC §3
and turned into an `Article` by `make_article`, which validates and normalises
it in one place. A violation raises `CorpusError` naming the field and reason;
the reader adds the file and line.

Every field is bounded here, whatever the reader: text fields by length, name
lists (authors, tags, each kind of entity) by count and each name by length.
A reader hands over whatever the file held (a YAML front matter, a JSON
object), so a field is never turned into text before its type is checked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from slugify import slugify

from indexer.ingest.dates import DateError, parse_datetime
from indexer.ingest.errors import CorpusError
from indexer.ingest.language import detect_language, normalise_language

ENTITY_TYPES = ("person", "organization", "place")

# Spellings of entity types that publishers use, mapped to ours.
_ENTITY_KEYS = {
    "person": "person",
    "persons": "person",
    "people": "person",
    "organization": "organization",
    "organizations": "organization",
    "organisation": "organization",
    "organisations": "organization",
    "orgs": "organization",
    "org": "organization",
    "place": "place",
    "places": "place",
    "location": "place",
    "locations": "place",
}

SECTION_SEPARATOR = " > "
_SECTION_PARTS = re.compile(r"\s*(?:>|/|»)\s*")
_PARAGRAPHS = re.compile(r"\n\s*\n")

# Ids are used in URLs (/articles/{id}) and as file names: keep them plain.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$")
MAX_SECTION_DEPTH = 10
# Characters a field may hold, after whitespace is collapsed. Far above what
# articles carry (a lead is one paragraph, a caption a few sentences), low
# enough that no field can be a megabyte of metadata. A given id longer than
# a safe one (200) is slugified down to 200.
MAX_LENGTHS = {
    "id": 1000,
    "title": 1000,
    "lead": 100_000,
    "section": 1000,
    "source": 1000,
    "dateline": 1000,
    "language": 100,
    "url": 8000,
    "image_caption": 10_000,
}
# A date written as text: the longest RFC 822 or ISO 8601 date is under 40.
MAX_DATE_TEXT = 200
MAX_NAME = 500
# Distinct names an article may list: a byline, a tag list and the entities of
# even a long report stay far below; each entity is a facet value and a link.
MAX_NAMES = {"authors": 1000, "tags": 1000}
MAX_ENTITIES = 10_000


@dataclass(frozen=True)
class Entities:
    """Canonical names of the people, organisations and places of an article."""

    person: tuple[str, ...] = ()
    organization: tuple[str, ...] = ()
    place: tuple[str, ...] = ()

    def of(self, kind: str) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(self, kind)
        return value

    def to_dict(self) -> dict[str, list[str]]:
        return {kind: list(self.of(kind)) for kind in ENTITY_TYPES}

    def __bool__(self) -> bool:
        return any(self.of(kind) for kind in ENTITY_TYPES)


@dataclass(frozen=True)
class Article:
    """One news article, validated: see `make_article`."""

    id: str
    title: str
    published: datetime
    lead: str = ""
    body: tuple[str, ...] = ()
    section: str = ""
    updated: datetime | None = None
    source: str = ""
    authors: tuple[str, ...] = ()
    dateline: str = ""
    language: str = ""
    tags: tuple[str, ...] = ()
    url: str = ""
    image_caption: str = ""
    entities: Entities = field(default_factory=Entities)

    @property
    def section_path(self) -> tuple[str, ...]:
        """`Organizations > International Organizations` -> its two parts."""
        return tuple(self.section.split(SECTION_SEPARATOR)) if self.section else ()

    @property
    def text(self) -> str:
        """All the article's prose, for analysis (entities, language)."""
        return "\n\n".join(p for p in (self.title, self.lead, *self.body) if p)

    def with_entities(self, entities: Entities) -> Article:
        """This article with other entities.

        What `dataclasses.replace` gives, at a fifth of its cost (1 µs against
        5): enrichment makes one per article of a build, and the fields, valid
        already, need no `__init__` again.
        """
        article = object.__new__(Article)
        article.__dict__.update(self.__dict__)
        object.__setattr__(article, "entities", entities)
        return article

    def to_dict(self) -> dict[str, Any]:
        """The article with the field names of SPEC §3, ready for JSON."""
        return {
            "id": self.id,
            "title": self.title,
            "lead": self.lead,
            "body": list(self.body),
            "section": self.section,
            "published": self.published.isoformat(),
            "updated": self.updated.isoformat() if self.updated else None,
            "source": self.source,
            "authors": list(self.authors),
            "dateline": self.dateline,
            "language": self.language,
            "tags": list(self.tags),
            "url": self.url,
            "image_caption": self.image_caption,
            "entities": self.entities.to_dict(),
        }


def make_article(data: Mapping[str, Any]) -> Article:
    """Validate and normalise a mapping with the fields of SPEC §3.

    Required: `title`; `lead` or `body`; `published` (a date without zone is
    Vienna time). The id is kept when given and URL-safe, slugified when given
    but unsafe, and derived from date and title when missing.
    """
    if not isinstance(data, Mapping):
        raise CorpusError(f"expected an article object, got {_kind(data)}")
    title = _text(data, "title")
    if not title:
        raise CorpusError("required and missing", field="title")
    lead = _text(data, "lead")
    body = _paragraphs(data.get("body"), "body")
    if not lead and not body:
        raise CorpusError("an article needs a body or a lead; both are empty", field="body")
    if data.get("published") in (None, ""):
        raise CorpusError("required and missing", field="published")
    published = _date(data["published"], "published")
    updated = _date(data["updated"], "updated") if data.get("updated") else None
    language_value = _text(data, "language")
    try:
        language = normalise_language(language_value) if language_value else ""
    except ValueError as exc:
        raise CorpusError(str(exc), field="language") from exc
    article = Article(
        id=_article_id(data.get("id"), title, published),
        title=title,
        published=published,
        lead=lead,
        body=body,
        section=_bounded(normalise_section(data.get("section")), "section"),
        updated=updated,
        source=_text(data, "source"),
        authors=_capped(_names(data.get("authors", data.get("author")), "authors"), "authors"),
        dateline=_text(data, "dateline"),
        language=language,
        tags=_capped(_names(data.get("tags"), "tags"), "tags"),
        url=_text(data, "url"),
        image_caption=_text(data, "image_caption"),
        entities=_entities(data.get("entities")),
    )
    if not article.language:
        article = replace(article, language=detect_language(article.text))
    return article


def _kind(value: object) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return kinds.get(type(value), type(value).__name__)


# Lone UTF-16 surrogates (JSON's "\ud800", YAML's "\ud800") are no characters: the
# index and every answer are UTF-8, which cannot hold them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """One line of prose: whitespace runs (incl. newlines) collapsed, surrogates replaced."""
    if not text.isascii():  # an ASCII text (a flag of the string: free) has no surrogates
        text = _SURROGATE.sub("\ufffd", text)
    if _clean_already(text):
        return text
    return " ".join(text.split())


def _clean_already(text: str) -> bool:
    """Whether collapsing the whitespace of a text would leave it as it is.

    Most fields are: a scan of the characters is cheaper than splitting them
    into words and joining them again. Of all Unicode whitespace (what
    `str.split` splits at), only the space is printable (tests/test_article.py).
    """
    return (
        text.isprintable()
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
    )


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise CorpusError(f"expected a string, got {_kind(value)}", field=name)
    return _bounded(_clean(value), name)


def _bounded(text: str, name: str) -> str:
    limit = MAX_LENGTHS[name]
    if len(text) > limit:
        raise CorpusError(f"longer than {limit} characters", field=name)
    return text


def _paragraphs(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts: Iterable[object] = _PARAGRAPHS.split(value)
    elif isinstance(value, list | tuple):
        parts = value
    else:
        raise CorpusError(f"expected text or a list of paragraphs, got {_kind(value)}", field=name)
    paragraphs = []
    for part in parts:
        if not isinstance(part, str):
            raise CorpusError(f"paragraphs must be strings, got {_kind(part)}", field=name)
        cleaned = _clean(part)
        if cleaned:
            paragraphs.append(cleaned)
    return tuple(paragraphs)


def _names(value: object, name: str) -> tuple[str, ...]:
    """A list of names from a list or a comma-separated string, deduplicated."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: Iterable[object] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise CorpusError(f"expected a list of names, got {_kind(value)}", field=name)
    # A dict keeps the first of equal names in order, and finds each in constant time.
    names: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str):
            raise CorpusError(f"names must be strings, got {_kind(item)}", field=name)
        cleaned = _clean(item)
        if len(cleaned) > MAX_NAME:
            raise CorpusError(f"a name longer than {MAX_NAME} characters", field=name)
        if cleaned:
            names[cleaned] = None
    return tuple(names)


def _capped(names: tuple[str, ...], name: str) -> tuple[str, ...]:
    cap = MAX_NAMES[name]
    if len(names) > cap:
        raise CorpusError(f"{len(names)} names; at most {cap} are kept", field=name)
    return names


def _date(value: object, name: str) -> datetime:
    if isinstance(value, str) and len(value) > MAX_DATE_TEXT:
        raise CorpusError(f"longer than {MAX_DATE_TEXT} characters", field=name)
    try:
        return parse_datetime(value)
    except DateError as exc:
        raise CorpusError(str(exc), field=name) from exc


def normalise_section(value: object) -> str:
    """`["A", "B"]`, `A > B`, `A>B` or `A / B` -> `A > B`."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        parts = _SECTION_PARTS.split(value)
    elif isinstance(value, list | tuple) and all(isinstance(p, str) for p in value):
        parts = list(value)
    else:
        raise CorpusError("expected a section path like 'A > B'", field="section")
    cleaned = [part for part in map(_clean, parts) if part]
    if len(cleaned) > MAX_SECTION_DEPTH:
        # Each level is a facet value of its own (every prefix is indexed).
        raise CorpusError(
            f"a section path of {len(cleaned)} levels; at most {MAX_SECTION_DEPTH} are kept apart",
            field="section",
        )
    return SECTION_SEPARATOR.join(cleaned)


def _entities(value: object) -> Entities:
    if value is None or value == "" or value == {}:
        return Entities()
    if not isinstance(value, Mapping):
        raise CorpusError(
            "expected an object like {'person': [...], 'place': [...]}", field="entities"
        )
    found: dict[str, dict[str, None]] = {kind: {} for kind in ENTITY_TYPES}
    for key, names in value.items():
        kind = _ENTITY_KEYS.get(str(key).strip().lower())
        if kind is None:
            raise CorpusError(
                f"unknown entity type {str(key)[:40]!r} (use person, organization, place)",
                field="entities",
            )
        listed = _names(names, f"entities.{key}")
        if len(listed) > MAX_ENTITIES:
            raise CorpusError(
                f"{len(listed)} names; at most {MAX_ENTITIES} are kept", field=f"entities.{key}"
            )
        found[kind].update(dict.fromkeys(listed))
        if len(found[kind]) > MAX_ENTITIES:
            # `person` and `people` both given: the cap is on the kind.
            raise CorpusError(
                f"{len(found[kind])} {kind} names; at most {MAX_ENTITIES} are kept",
                field="entities",
            )
    return Entities(**{kind: tuple(names) for kind, names in found.items()})


def _article_id(value: object, title: str, published: datetime) -> str:
    if value is not None and value != "":
        if isinstance(value, bool) or not isinstance(value, str | int | float | date):
            # Never str() of a list: an alias bomb's id is ten million items.
            raise CorpusError(f"expected a string, got {_kind(value)}", field="id")
        given = str(value).strip()
        if len(given) > MAX_LENGTHS["id"]:
            raise CorpusError(f"longer than {MAX_LENGTHS['id']} characters", field="id")
        if _SAFE_ID.match(given):
            return given
        slug = slugify(given, max_length=200)
        if slug:
            return slug
        raise CorpusError("cannot make a URL-safe id from it", field="id")
    slug = slugify(title, max_length=80, word_boundary=True)
    if not slug:
        # A title of symbols only: a short digest keeps the id stable.
        slug = hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]
    return f"{published:%Y-%m-%d}-{slug}"
