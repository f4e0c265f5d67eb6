"""The search page's view model: the backend's search result with every link the page needs.

The backend answers with facet counts (`SearchResult`); a page needs more: for each facet
value the URL that adds or removes it, the active filters as chips with the
URL that removes each, a date histogram whose bars narrow the range, sort
links and page links. All of it is derived here from the request model's
`with_*`/`without_*` methods, so templates only loop and print.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date

from indexer.archive.quoting import TYPOGRAPHIC
from indexer.archive.request import LANGUAGE_NAMES, SORTS, SearchRequest
from indexer.archive.results import SearchResult
from webapp.links import filter_urls, search_url

# Values listed before "more"; the rest wait behind a disclosure.
SHOWN = 5
# Values a page lists per facet (the API's default is the backend's, fewer: a page has
# room for a disclosure of more); `more=<facet>` asks for up to MORE_LIMIT.
SIDEBAR_FACET_LIMIT = 20
MORE_LIMIT = 100
# Histogram bar heights are steps of a CSS scale (no inline styles: a CSP forbids them).
LEVELS = 20

FACET_TITLES = {
    "section": "Section",
    "person": "People",
    "organization": "Organizations",
    "place": "Places",
    "language": "Language",
    "source": "Source",
}
# A chip reads "Person: Ann Linde".
FILTER_LABELS = {
    "section": "Section",
    "person": "Person",
    "organization": "Organization",
    "place": "Place",
    "language": "Language",
    "source": "Source",
}
SORT_LABELS = {"relevance": "Relevance", "newest": "Newest", "oldest": "Oldest"}
LIST_FACETS = ("section", "person", "organization", "place", "language")


@dataclass(frozen=True)
class FacetLink:
    value: str
    label: str
    count: int
    selected: bool
    url: str
    depth: int = 0


@dataclass(frozen=True)
class FacetGroup:
    name: str
    title: str
    values: list[FacetLink]
    distinct: int
    # A link to all values when the backend counted more than it listed.
    more_url: str | None
    # The reader asked for all values (`more=<facet>`): the disclosure starts open.
    expanded: bool = False

    @property
    def shown(self) -> list[FacetLink]:
        return self.values[: self._cut]

    @property
    def hidden(self) -> list[FacetLink]:
        return self.values[self._cut :]

    @property
    def _cut(self) -> int:
        if self.name != "section":
            # Selected values always stay in view, wherever they rank.
            last = max((i for i, v in enumerate(self.values) if v.selected), default=-1)
            return max(SHOWN, last + 1)
        # Whole branches: a section's sub-sections are never split from it.
        tops = 0
        for i, item in enumerate(self.values):
            if item.depth == 0:
                tops += 1
                if tops > SHOWN and not any(v.selected for v in self.values[i:]):
                    return i
        return len(self.values)


@dataclass(frozen=True)
class Chip:
    label: str
    url: str


@dataclass(frozen=True)
class FilterHint:
    """A filter value the archive does not have, with links that swap in its closest values."""

    name: str
    label: str
    value: str
    closest: list[Link]


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    level: int
    url: str | None  # None: nothing to narrow to
    selected: bool
    title: str
    # Read after the visible label, so the link's name starts with what it shows.
    detail: str
    # What identifies the bar across a page change (app.js keeps focus on it); the label
    # unless labels repeat (months of two years) or are left out.
    key: str = ""


@dataclass(frozen=True)
class Histogram:
    title: str
    bars: list[Bar]
    clear_url: str | None  # back from the months of a year to all years


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool


@dataclass
class SearchPage:
    result: SearchResult
    facets: list[FacetGroup]
    chips: list[Chip]
    clear_url: str | None
    histogram: Histogram | None
    sorts: list[Link]
    pages: list[Link | None]  # None is a gap ("…")
    previous_url: str | None
    next_url: str | None
    suggestion_url: str | None
    # Filter values the archive does not have, each with its "did you mean" links.
    filter_hints: list[FilterHint] = field(default_factory=list)
    # With no results: how many the words find without the filters, and where.
    unfiltered_total: int | None = None
    unfiltered_url: str | None = None
    # The state the date form keeps when it sends new from/to values.
    date_form_params: list[tuple[str, str]] = field(default_factory=list)
    date_from_text: str = ""
    date_to_text: str = ""

    @property
    def request(self) -> SearchRequest:
        return self.result.request


def facet_limit(more: str) -> int:
    return MORE_LIMIT if more in LIST_FACETS else SIDEBAR_FACET_LIMIT


def build(result: SearchResult, more: str = "") -> SearchPage:
    request = result.request
    params = request.to_params()
    page = SearchPage(
        result=result,
        facets=[_group(result, name, more) for name in LIST_FACETS if result.facets.get(name)],
        chips=_chips(result),
        clear_url=search_url(SearchRequest(q=request.q)) if _narrowed(request) else None,
        histogram=_histogram(result),
        sorts=[
            Link(SORT_LABELS[s], search_url(request.with_sort(s)), s == request.sort) for s in SORTS
        ],
        pages=_page_links(request, result.pages),
        previous_url=search_url(request.with_page(request.page - 1)) if request.page > 1 else None,
        next_url=(
            search_url(request.with_page(request.page + 1)) if request.page < result.pages else None
        ),
        suggestion_url=(
            search_url(replace(request, q=result.suggestion, page=1)) if result.suggestion else None
        ),
        filter_hints=_filter_hints(result),
        date_form_params=[(k, v) for k, v in params if k not in ("from", "to", "page")],
        date_from_text=dict(params).get("from", ""),
        date_to_text=dict(params).get("to", ""),
    )
    return page


def _narrowed(request: SearchRequest) -> bool:
    return bool(request.filters or request.date_from or request.date_to)


def label_of(name: str, value: str) -> str:
    if name == "language":
        return LANGUAGE_NAMES.get(value, value)
    return value


def _group(result: SearchResult, name: str, more: str) -> FacetGroup:
    request = result.request
    limit = facet_limit(more) if more == name else SIDEBAR_FACET_LIMIT
    values = []
    add_url = filter_urls(request, name)
    for item in result.facets[name][:limit] + [
        v for v in result.facets[name][limit:] if v.selected
    ]:
        value = item.value
        selected = item.selected
        url = search_url(request.without_filter(name, value)) if selected else add_url(value)
        depth = item.depth or 0
        label = value.rsplit(" > ", 1)[-1] if name == "section" else label_of(name, value)
        values.append(FacetLink(value, label, item.count, selected, url, depth))
    distinct = result.facet_distinct.get(name, len(values))
    listed = sum(1 for v in values if v.depth == 0)
    more_url = None
    if distinct > listed and more != name:
        more_url = search_url(request, more=name) + f"#facet-{name}"
    return FacetGroup(name, FACET_TITLES[name], values, distinct, more_url, more == name)


def _chips(result: SearchResult) -> list[Chip]:
    request = result.request
    chips = [
        Chip(
            # As the archive writes the value (its most used spelling), as the facet lists it.
            f"{FILTER_LABELS[name]}: {label_of(name, _archive_name(result, name, value))}",
            search_url(request.without_filter(name, value)),
        )
        for name, values in request.filters
        for value in values
    ]
    if request.date_from or request.date_to:
        words = SearchRequest(date_from=request.date_from, date_to=request.date_to).describe()
        label = words.removeprefix("all articles, ").removeprefix("all articles ")
        chips.append(Chip(f"Date: {label}", search_url(request.with_dates(None, None))))
    return chips


def _archive_name(result: SearchResult, name: str, value: str) -> str:
    names = result.archive_names(name, value)
    return names[0] if names else value


def _filter_hints(result: SearchResult) -> list[FilterHint]:
    """ "Did you mean" for each unknown filter value: links that replace it by a close one."""
    request = result.request
    hints = []
    for name, unknown in result.filter_suggestions.items():
        for item in unknown:
            without = request.without_filter(name, item.value)
            links = [
                Link(
                    label_of(name, closest),
                    search_url(without.with_filter(name, closest)),
                    False,
                )
                for closest in item.closest
            ]
            hints.append(FilterHint(name, FILTER_LABELS[name].lower(), item.value, links))
    return hints


def _level(count: int, highest: int) -> int:
    if count <= 0 or highest <= 0:
        return 0
    # Any article at all shows at least a sliver.
    return max(1, round(count / highest * LEVELS))


def _histogram(result: SearchResult) -> Histogram | None:
    request = result.request
    year = request.year
    if year is not None and "month" in result.facets:
        counts = {m.value: m.count for m in result.facets["month"]}
        highest = max(counts.values(), default=0)
        bars = []
        for month in range(1, 13):
            key = f"{year:04d}-{month:02d}"
            count = counts.get(key, 0)
            last = calendar.monthrange(year, month)[1]
            target = request.with_dates(date(year, month, 1), date(year, month, last))
            name = f"{calendar.month_name[month]} {year}"
            bars.append(
                Bar(
                    calendar.month_abbr[month],
                    count,
                    _level(count, highest),
                    search_url(target) if count else None,
                    False,
                    f"{name}: {_articles(count)}",
                    f" {year}: {_articles(count)}",
                )
            )
        return Histogram(
            f"Articles by month, {year}", bars, search_url(request.with_dates(None, None))
        )
    if "month" in result.facets:
        # A short span: the backend counted its months.
        months = {m.value: m.count for m in result.facets["month"] if m.count}
        return month_histogram(months, request, "Articles by month")
    years = {int(y.value): y.count for y in result.facets.get("year", [])}
    return year_histogram(years, request, "Articles by year")


# Beyond this many bars, every other bar's tick is left unlabelled (they would overlap).
LABELLED_BARS = 14


def month_histogram(months: dict[str, int], request: SearchRequest, title: str) -> Histogram | None:
    """Bars for every month ("YYYY-MM") from the first to the last, each narrowing to it."""
    if not months:
        return None
    first, last = _month(min(months)), _month(max(months))
    count_of = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    bars = []
    for step in range(count_of):
        year, month = first[0] + (first[1] - 1 + step) // 12, (first[1] - 1 + step) % 12 + 1
        count = months.get(f"{year:04d}-{month:02d}", 0)
        start = date(year, month, 1)
        end = date(year, month, calendar.monthrange(year, month)[1])
        within = (
            request.date_from is not None
            and request.date_to is not None
            and request.date_from <= start
            and end <= request.date_to
        )
        name = f"{calendar.month_name[month]} {year}"
        labelled = count_of <= LABELLED_BARS or step % 2 == 0
        tick = calendar.month_abbr[month] if labelled else ""
        bars.append(
            Bar(
                tick,
                count,
                _level(count, max(months.values())),
                search_url(request.with_dates(start, end)) if count else None,
                within,
                f"{name}: {_articles(count)}",
                f" {year}: {_articles(count)}" if labelled else f"{name}: {_articles(count)}",
                f"{year:04d}-{month:02d}",
            )
        )
    years = f"{first[0]}" if first[0] == last[0] else f"{first[0]}–{last[0]}"
    return Histogram(f"{title}, {years}", bars, None)


def _month(key: str) -> tuple[int, int]:
    year, month = key.split("-")
    return int(year), int(month)


def year_histogram(years: dict[int, int], request: SearchRequest, title: str) -> Histogram | None:
    """Bars for every year from the first to the last, each narrowing `request` to its year."""
    if not years:
        return None
    highest = max(years.values())
    selected_from = request.date_from
    selected_to = request.date_to
    bars = []
    for y in range(min(years), max(years) + 1):
        count = years.get(y, 0)
        target = request.with_dates(date(y, 1, 1), date(y, 12, 31))
        within = (
            selected_from is not None
            and selected_to is not None
            and selected_from.year <= y <= selected_to.year
        )
        bars.append(
            Bar(
                str(y),
                count,
                _level(count, highest),
                search_url(target) if count else None,
                within,
                f"{y}: {_articles(count)}",
                f": {_articles(count)}",
            )
        )
    return Histogram(title, bars, None)


def _articles(count: int) -> str:
    return f"{count} article" + ("" if count == 1 else "s")


def _page_links(request: SearchRequest, pages: int) -> list[Link | None]:
    """Page numbers around the current one, the first and the last, gaps as None."""
    if pages <= 1:
        return []
    wanted = {1, pages, *range(request.page - 2, request.page + 3)}
    links: list[Link | None] = []
    previous = 0
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if number > previous + 1:
            links.append(None)
        links.append(
            Link(str(number), search_url(request.with_page(number)), number == request.page)
        )
        previous = number
    return links


def describe_count(result: SearchResult) -> str:
    """'19 articles matching “osce”': the sentence the live region announces."""
    words = result.request.describe(TYPOGRAPHIC)
    total = result.total
    noun = "article" if total == 1 else "articles"
    return f"{total:,} {noun}{words.removeprefix('all articles').removeprefix('articles')}"
