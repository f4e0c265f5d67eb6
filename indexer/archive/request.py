"""The search request: what a reader asked for, validated, in one pure value.

`SearchRequest` sits between HTTP (or the CLI) and the backend, after datasette's
`Filters`: it is built from a plain mapping of query parameters (SPEC §6:
`q`, `section`, `person`, `organization`, `place`, `language`, `source`,
`from`, `to`, `sort`, `page`, `per_page`), rejects bad values with a
`RequestError` naming the parameter, normalises the rest, and turns itself
into canonical query parameters (for links) and words
("articles matching "osce" in Politics, 2023"). It never sees a request or
an index.

The words of `q` are read by the backend (the embedded one:
`indexer.embedded.search.textquery`); so are the filters, which it matches
folded to the archive's own spellings. This module also holds the contract's
limits (facets, facet value search, entity reports, filter suggestions).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

from indexer.archive.quoting import PLAIN, Marks, quote_query
from indexer.ingest.article import normalise_section
from indexer.ingest.dates import VIENNA

SORTS = ("relevance", "newest", "oldest")
FILTER_PARAMS = ("section", "person", "organization", "place", "language", "source")
MAX_PER_PAGE = 100
MAX_Q = 1000  # characters
# The facets every search result counts, in display order (and "month" within a year).
FACETS = ("section", "year", "person", "organization", "place", "language")
# Matches (or an entity's articles) in years spanning at most this many months are
# counted by month too, whatever the dates chosen: one bar a year says little about them.
SHORT_SPAN_MONTHS = 24
# Closest values offered for one unknown filter value, at most.
MAX_CLOSEST = 3
# Unknown filter values of one request that are given closest values: comparing
# one with all 12,221 organisations of Reuters takes up to 20 ms, and a request
# may have 120 values (20 per filter); the rest are named with none.
MAX_SUGGESTED = 4
# The facets whose values can be searched by prefix (GET /api/facets/{name}).
SEARCHABLE_FACETS = (
    "section",
    "year",
    "month",
    "person",
    "organization",
    "place",
    "language",
    "source",
)
FACET_VALUES_LIMIT = 20  # values listed unless `limit` says otherwise
MAX_FACET_LIMIT = 100
MAX_FACET_PREFIX = 200  # characters
ENTITY_ARTICLES_LIMIT = 10  # an entity report's newest articles, by default
MAX_ENTITY_LIMIT = 100
MAX_PAGE = 10_000  # deeper pages make a backend rank page * per_page hits
MAX_FILTER_VALUE = 200  # characters
MAX_FILTER_VALUES = 20  # per filter: each is a clause of the filter query
DEFAULT_PER_PAGE = 10
# What the prefixes, wildcards and fuzzy words of one `q` may stand for, counted
# before any posting is read: indexed words in all (a word per field it is in)
# and their postings. Each word costs a posting list read, a quarter of a
# millisecond when not cached; on Reuters `co*` stands for 1,196 words and
# 62,634 postings, 30 fuzzy words of 5 to 9 letters for about 250 words,
# `ab* OR ac* OR ...` (30 two-letter prefixes) for 9,267 (and 12 s).
MAX_EXPANDED_TERMS = 2_000
MAX_EXPANDED_POSTINGS = 500_000

# The index field each filter searches; `sections` holds every prefix of an
# article's section path, so a parent matches its children.
FILTER_FIELDS = {
    "section": "sections",
    "person": "person",
    "organization": "organization",
    "place": "place",
    "language": "language",
    "source": "source",
}
# Comma-separated KEYWORD fields: a comma in a value was indexed as a space.
_KEYWORD_FILTERS = ("section", "person", "organization", "place")


LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "es": "Spanish",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "cs": "Czech",
    "sk": "Slovak",
    "sl": "Slovenian",
    "hr": "Croatian",
    "sr": "Serbian",
    "bs": "Bosnian",
    "hu": "Hungarian",
    "ro": "Romanian",
    "bg": "Bulgarian",
    "ru": "Russian",
    "uk": "Ukrainian",
    "el": "Greek",
    "tr": "Turkish",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "et": "Estonian",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "sq": "Albanian",
    "mk": "Macedonian",
    "ar": "Arabic",
}

_DATE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")
_INTEGER = re.compile(r"-?[0-9]{1,12}")
_DATE_HELP = "use YYYY, YYYY-MM or YYYY-MM-DD"
_PREPOSITIONS = ("in", "about", "from", "via", "since", "until", "on")


class RequestError(ValueError):
    """A parameter of a search request that cannot be used; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class QueryTooBroad(RequestError):
    """`q` whose prefixes, wildcards or fuzzy words stand for more than one search may read.

    Only the index can tell: the search core raises it when it counts the
    expansions, and every surface answers it as the bad parameter it is.
    """

    def __init__(self, limit: str, allowed: int) -> None:
        if limit == "terms":
            what = f"stand for more than {allowed:,} indexed words"
        else:
            what = f"occur in more than {allowed:,} postings"
        super().__init__(
            "q",
            f"its prefixes, wildcards and fuzzy words {what}, the limit of one search;"
            " make them longer, or use fewer",
        )
        self.limit = limit
        self.allowed = allowed


Params = Mapping[str, Any]


@dataclass(frozen=True)
class SearchRequest:
    """One search, validated and normalised; build it with `from_params`."""

    q: str = ""
    # In the order of FILTER_PARAMS; values deduplicated in their given order;
    # only filters with values.
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    date_from: date | None = None  # inclusive
    date_to: date | None = None  # inclusive
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    # -- building ---------------------------------------------------------

    @classmethod
    def from_params(cls, params: Params) -> SearchRequest:
        """The request of a mapping of query parameters.

        Accepts a plain `dict[str, str]`, a `dict[str, list[str]]` or a
        multi-dict with `getlist` (Starlette's QueryParams). A filter may
        repeat; other parameters take their last value. Empty values are
        ignored, and so are unknown parameters.
        """
        q = clean_text(_last(params, "q"))
        if len(q) > MAX_Q:
            raise RequestError("q", f"longer than {MAX_Q} characters")
        filters = tuple(
            (name, values)
            for name in FILTER_PARAMS
            if (values := _filter_values(name, _getlist(params, name)))
        )
        date_from = _parse_date("from", _last(params, "from"), end=False)
        date_to = _parse_date("to", _last(params, "to"), end=True)
        _check_dates(date_from, date_to)
        sort = _last(params, "sort") or "relevance"
        _check_sort(sort)
        page = _parse_int("page", _last(params, "page"), 1, 1, MAX_PAGE)
        per_page = _parse_int(
            "per_page", _last(params, "per_page"), DEFAULT_PER_PAGE, 1, MAX_PER_PAGE
        )
        return cls(q, filters, date_from, date_to, sort, page, per_page)

    # -- reading ----------------------------------------------------------

    def values(self, name: str) -> tuple[str, ...]:
        """The selected values of a filter (empty when it is not used)."""
        for filter_name, values in self.filters:
            if filter_name == name:
                return values
        return ()

    @property
    def year(self) -> int | None:
        """The year when from/to select exactly one calendar year, else None."""
        if (
            self.date_from is not None
            and self.date_to is not None
            and self.date_from == date(self.date_from.year, 1, 1)
            and self.date_to == date(self.date_from.year, 12, 31)
        ):
            return self.date_from.year
        return None

    def to_dict(self) -> dict[str, Any]:
        """The `query` part of the JSON result (SPEC §8)."""
        return {
            "q": self.q,
            "filters": {name: list(values) for name, values in self.filters},
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "sort": self.sort,
        }

    def describe(self, marks: Marks = PLAIN) -> str:
        """The request in words: 'articles matching "osce" in Politics, 2023'.

        Plain quotation marks for the JSON, the CLI and feeds; pages ask for typographic
        ones, as their headings have (`quoting`'s rule).
        """
        text = f"articles matching {quote_query(self.q, marks)}" if self.q else "all articles"
        parts: list[str] = []
        if sections := self.values("section"):
            parts.append(f"in {_or(sections)}")
        for name, words in (("person", "about"), ("organization", "about"), ("place", "from")):
            if values := self.values(name):
                parts.append(f"{words} {_or(values)}")
        if languages := self.values("language"):
            parts.append(f"in {_or(LANGUAGE_NAMES.get(code, code) for code in languages)}")
        if sources := self.values("source"):
            parts.append(f"via {_or(sources)}")
        if dates := _describe_dates(self.date_from, self.date_to):
            parts.append(dates)
        if self.sort != "relevance":
            parts.append(f"{self.sort} first")
        for i, part in enumerate(parts):
            # The first qualifier reads on when it is a prepositional phrase
            # ('... "osce" in Politics'); the others are listed (', 2023').
            reads_on = i == 0 and part.split(" ", 1)[0] in _PREPOSITIONS
            text += (" " if reads_on else ", ") + part
        return text

    def to_params(self) -> list[tuple[str, str]]:
        """Canonical query parameters; `from_params` of them gives this request back."""
        params: list[tuple[str, str]] = []
        if self.q:
            params.append(("q", self.q))
        for name, values in self.filters:
            params.extend((name, value) for value in values)
        if self.date_from is not None:
            params.append(("from", _short_date(self.date_from, end=False)))
        if self.date_to is not None:
            params.append(("to", _short_date(self.date_to, end=True)))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        if self.page != 1:
            params.append(("page", str(self.page)))
        if self.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(self.per_page)))
        return params

    # -- deriving (links in pages and facets) ------------------------------

    def with_filter(self, name: str, value: str) -> SearchRequest:
        """This request with one more value of a filter; back to page 1."""
        _check_filter_name(name)
        added = _filter_values(name, [*self.values(name), value])
        return self._with_values(name, added)

    def filter_links(self, name: str) -> FilterLinks:
        """What `with_filter(name, value)` gives for many values, its common part made once.

        A search page links each value of each facet (60 and more links); making
        and checking a request for each was a tenth of the page.
        """
        _check_filter_name(name)
        current = self.values(name)
        params = self._with_values(name, current).to_params()
        rank = FILTER_PARAMS.index(name)
        # Where the value goes in the canonical order: after the q, and after the
        # values of this filter and of the filters before it.
        at = (1 if self.q else 0) + sum(
            len(values) for other, values in self.filters if FILTER_PARAMS.index(other) <= rank
        )
        chosen = frozenset(fold(value) for value in current)
        full = len(current) >= MAX_FILTER_VALUES
        return FilterLinks(self, name, params[:at], params[at:], chosen, full)

    def without_filter(self, name: str, value: str | None = None) -> SearchRequest:
        """This request without one value of a filter (or the whole filter)."""
        _check_filter_name(name)
        if value is None:
            return self._with_values(name, ())
        # Values match folded (`indexer.embedded.search.filter_values`): the archive's "José
        # Mourinho" removes the reader's "jose mourinho".
        removed = {fold(v) for v in _filter_values(name, [value])}
        return self._with_values(
            name, tuple(v for v in self.values(name) if fold(v) not in removed)
        )

    def with_dates(self, date_from: date | None, date_to: date | None) -> SearchRequest:
        """This request with another date range; back to page 1."""
        _check_dates(date_from, date_to)
        return replace(self, date_from=date_from, date_to=date_to, page=1)

    def with_sort(self, sort: str) -> SearchRequest:
        _check_sort(sort)
        return replace(self, sort=sort, page=1)

    def with_page(self, page: int) -> SearchRequest:
        if not 1 <= page <= MAX_PAGE:
            raise RequestError("page", f"must be between 1 and {MAX_PAGE}, got {page}")
        return replace(self, page=page)

    def _with_values(self, name: str, values: tuple[str, ...]) -> SearchRequest:
        current = dict(self.filters)
        current[name] = values
        filters = tuple((n, current[n]) for n in FILTER_PARAMS if current.get(n))
        return replace(self, filters=filters, page=1)

    def published_range(self) -> tuple[datetime | None, datetime | None]:
        """from/to as naive UTC datetimes (how `published` is indexed), inclusive.

        The days are Vienna days: `to=2023` ends at 2023-12-31 23:59:59.999999
        in Vienna, which is 22:59:59.999999 UTC.
        """
        start = end = None
        if self.date_from is not None:
            start = _naive_utc(datetime.combine(self.date_from, time.min, tzinfo=VIENNA))
        if self.date_to is not None:
            end = _naive_utc(datetime.combine(self.date_to, time.max, tzinfo=VIENNA))
        return start, end


@dataclass(frozen=True)
class FilterLinks:
    """`SearchRequest.with_filter(name, value)` for many values of one filter.

    The parameters before and after the new value are the same for every
    value that is simply added; a value that is not (one already chosen, one
    cleaned away, one too many) goes the long way, through `with_filter`.
    """

    request: SearchRequest
    name: str
    head: list[tuple[str, str]]
    tail: list[tuple[str, str]]
    chosen: frozenset[str]
    full: bool

    def added_value(self, value: str) -> str | None:
        """The value as the request would hold it, when it is simply added; else None."""
        cleaned = _filter_values(self.name, [value])
        if len(cleaned) != 1 or self.full or fold(cleaned[0]) in self.chosen:
            return None
        return cleaned[0]

    def params(self, value: str) -> list[tuple[str, str]]:
        """`request.with_filter(name, value).to_params()`."""
        added = self.added_value(value)
        if added is None:
            return self.request.with_filter(self.name, value).to_params()
        return [*self.head, (self.name, added), *self.tail]


def clean_text(text: str) -> str:
    """Text typed by a reader, on one line: spaces collapsed, control characters dropped."""
    # Tabs and newlines separate words; other control characters go.
    chars = (
        " " if c.isspace() else c
        for c in text
        if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
    )
    return " ".join("".join(chars).split())


def fold(value: str) -> str:
    """A filter value lowercased and without accents: the spellings one request counts once.

    Only for de-duplicating a request's own values; the search backend matches
    them to the archive's spellings with its own folding.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# -- parameters --------------------------------------------------------------


def _getlist(params: Params, name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    if callable(getlist):
        raw: object = getlist(name)
    else:
        raw = params.get(name)
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, Iterable):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def _last(params: Params, name: str) -> str:
    """The last non-empty value of a parameter, stripped; "" when none."""
    values = [v.strip() for v in _getlist(params, name)]
    values = [v for v in values if v]
    return values[-1] if values else ""


def _clean_value(text: str) -> str:
    return " ".join(clean_text(text).split())


def _check_filter_name(name: str) -> None:
    if name not in FILTER_PARAMS:
        raise ValueError(f"unknown filter {name!r} (one of {', '.join(FILTER_PARAMS)})")


def _filter_values(name: str, raw: Iterable[str]) -> tuple[str, ...]:
    # By folded form, first spelling kept (values match folded, so "José" and
    # "jose" are one value): a dict finds each in constant time, and the count
    # is checked as it grows.
    values: dict[str, str] = {}
    for item in raw:
        value = _clean_value(item)
        if name == "section":
            value = normalise_section(value)
        elif name == "language":
            value = value.lower()
        # Checked on the normalised value: `A/B` becomes `A > B`, and the canonical
        # parameters of a request (its links) must be a request again.
        if len(value) > MAX_FILTER_VALUE:
            raise RequestError(name, f"a value is longer than {MAX_FILTER_VALUE} characters")
        if value:
            values.setdefault(fold(value), value)
            if len(values) > MAX_FILTER_VALUES:
                raise RequestError(name, f"more than {MAX_FILTER_VALUES} values")
    return tuple(values.values())


def _parse_int(param: str, text: str, default: int, low: int, high: int) -> int:
    if not text:
        return default
    if not _INTEGER.fullmatch(text):
        raise RequestError(param, f"not a whole number: {text[:40]!r}")
    value = int(text)
    if not low <= value <= high:
        raise RequestError(param, f"must be between {low} and {high}, got {value}")
    return value


def _check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise RequestError("sort", f"must be one of {', '.join(SORTS)}; got {sort[:40]!r}")


def _parse_date(param: str, text: str, *, end: bool) -> date | None:
    """`2023` -> Jan 1 (or Dec 31 when `end`); `2023-03` -> the first (last) day."""
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise RequestError(param, f"not a date ({_DATE_HELP}): {text[:40]!r}")
    year = int(match["year"])
    month = int(match["month"] or (12 if end else 1))
    try:
        if match["day"]:
            return date(year, month, int(match["day"]))
        day = calendar.monthrange(year, month)[1] if end else 1
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise RequestError(param, f"not a date ({_DATE_HELP}): {text[:40]!r}") from None


def _check_dates(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise RequestError("to", f"{date_to.isoformat()} is before from {date_from.isoformat()}")


def _short_date(day: date, *, end: bool) -> str:
    """The shortest of YYYY, YYYY-MM, YYYY-MM-DD that `_parse_date` reads back as `day`."""
    last = calendar.monthrange(day.year, day.month)[1]
    if (day.month, day.day) == ((12, 31) if end else (1, 1)):
        return f"{day.year:04d}"
    if day.day == (last if end else 1):
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _naive_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        # `from=0001-01-01` begins in Vienna an hour before UTC has a year 1; no
        # article is older, so the range starts at the beginning of time.
        return datetime.min if moment.year == 1 else datetime.max


# -- words -------------------------------------------------------------------


def _or(values: Iterable[str]) -> str:
    items = list(values)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _granularity(day: date, *, end: bool) -> int:
    """0: a whole year, 1: a whole month, 2: a day (as a range bound)."""
    last = calendar.monthrange(day.year, day.month)[1]
    if (day.month, day.day) == ((12, 31) if end else (1, 1)):
        return 0
    if day.day == (last if end else 1):
        return 1
    return 2


def _date_words(day: date, granularity: int) -> str:
    if granularity == 0:
        return str(day.year)
    if granularity == 1:
        return f"{calendar.month_name[day.month]} {day.year}"
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _describe_dates(date_from: date | None, date_to: date | None) -> str:
    if date_from is None and date_to is None:
        return ""
    if date_to is None:
        assert date_from is not None
        return f"since {_date_words(date_from, _granularity(date_from, end=False))}"
    if date_from is None:
        return f"until {_date_words(date_to, _granularity(date_to, end=True))}"
    # Both ends in the finer of their two units: "from January 2023 to June 2024".
    unit = max(_granularity(date_from, end=False), _granularity(date_to, end=True))
    start, stop = _date_words(date_from, unit), _date_words(date_to, unit)
    if start == stop:
        return f"on {start}" if unit == 2 else start
    return f"from {start} to {stop}"
