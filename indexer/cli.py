"""The `vindex` command line: index, parse, import, search, stats, entities, restore, backend.

`vindex serve` is added by the web app (`webapp.cli`, the installed command),
so that this library runs without it.

Exit status: 0 success, 1 some input failed (each named on stderr, the rest
done), 2 usage error (bad flags, bad settings, missing folders).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.archive.builds import BuildProgress, ProgressFigures
from indexer.archive.errors import ArchiveDamaged, ArchiveMissing
from indexer.archives import check_backend, open_backend
from indexer.settings import Settings, SettingsError
from indexer.system.allocator import tune_allocator
from indexer.system.logs import configure_logging

if TYPE_CHECKING:
    from indexer.archive.request import RequestError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong use of the command line: exit status 2."""


def main(argv: Sequence[str] | None = None, extra_commands: Sequence[AddCommand] = ()) -> int:
    """Run the command line; `extra_commands` add subcommands (see AddCommand)."""
    parser = _parser(extra_commands)
    args = parser.parse_args(argv)
    # Builds and searches reuse their freed arrays rather than fault them in again.
    tune_allocator()
    try:
        settings = Settings.from_env().with_overrides(index=args.index, corpus=args.corpus)
        # Commands print what they did: their log adds warnings only (`serve` logs more).
        configure_logging(settings.log_format, logging.WARNING)
        status: int = args.handler(args, settings)
        return status
    except (SettingsError, UsageError) as exc:
        print(f"vindex: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ArchiveDamaged as exc:
        print(f"vindex: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("vindex: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly.
        sys.stderr.close()
        return EXIT_OK


# Adds a subcommand: (the subparsers, the parser of the common flags). The web
# app adds `serve` this way, so that the library never imports the web app.
AddCommand = Callable[[Any, argparse.ArgumentParser], None]


def _parser(extra_commands: Sequence[AddCommand] = ()) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, help="index folder (default: index/, VINDEX_INDEX)")
    common.add_argument(
        "--corpus", type=Path, help="corpus folder (default: corpus/, VINDEX_CORPUS)"
    )
    parser = argparse.ArgumentParser(prog="vindex", description="Search engine for news archives.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser(
        "index", parents=[common], help="index the corpus (incremental, or --rebuild)"
    )
    index.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    index.add_argument(
        "--rebuild", action="store_true", help="build a fresh index and swap it in atomically"
    )
    index.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        help="show a progress bar on stderr (default: when it is a terminal)",
    )
    index.set_defaults(handler=_index)

    parse = commands.add_parser("parse", parents=[common], help="print parsed articles as JSON")
    parse.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parse.set_defaults(handler=_parse)

    imp = commands.add_parser("import", parents=[common], help="turn a research corpus into files")
    imp.add_argument("dataset", choices=["reuters", "bbc", "gnad"])
    imp.add_argument("path", type=Path, metavar="PATH", help="the dataset's folder or archive")
    imp.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    imp.set_defaults(handler=_import)

    search = commands.add_parser("search", parents=[common], help="search the index")
    search.add_argument("query", metavar="QUERY")
    for name in ("section", "person", "organization", "place", "language", "source"):
        search.add_argument(f"--{name}", action="append", metavar=name[0].upper(), default=[])
    search.add_argument("--from", dest="date_from", metavar="D", help="YYYY, YYYY-MM or YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", metavar="D", help="YYYY, YYYY-MM or YYYY-MM-DD")
    search.add_argument("--sort", help="relevance (default), newest or oldest")
    search.add_argument("--page", default="1")
    search.add_argument("--per-page", default="10")
    search.add_argument("--json", action="store_true", help="print the result object as JSON")
    search.set_defaults(handler=_search)

    stats = commands.add_parser("stats", parents=[common], help="what the index holds")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=_stats)

    entities = commands.add_parser("entities", parents=[common], help="the most named entities")
    entities.add_argument("--type", choices=["person", "organization", "place"], action="append")
    entities.add_argument("--limit", type=int, default=20, help="per type (default 20)")
    entities.add_argument("--json", action="store_true")
    entities.set_defaults(handler=_entities)

    restore = commands.add_parser(
        "restore", parents=[common], help="put a removed article back from corpus/.trash/"
    )
    restore.add_argument("id", metavar="ID", help="the article id")
    restore.set_defaults(handler=_restore)

    backend = commands.add_parser(
        "backend", parents=[common], help="the configured backend (VINDEX_BACKEND)"
    )
    backend_commands = backend.add_subparsers(dest="backend_command", required=True)
    check = backend_commands.add_parser(
        "check", parents=[common], help="whether it answers: version, index, alias, articles"
    )
    check.set_defaults(handler=_backend_check)

    for add in extra_commands:
        add(commands, common)
    return parser


def _backend_check(args: argparse.Namespace, settings: Settings) -> int:
    checked = check_backend(settings)
    stream = sys.stdout if checked.answers else sys.stderr
    for line in checked.lines():
        print(line, file=stream)
    return EXIT_OK if checked.answers and checked.error is None else EXIT_FAILED


def _waiting(settings: Settings) -> Callable[[str], None]:
    """Says on stderr that the build waits for another process's write to finish."""

    def waiting(holder: str) -> None:
        print(
            f"vindex: {settings.index} is being written by {holder}; waiting for it to finish…",
            file=sys.stderr,
        )

    return waiting


# The bar, then the figures in words: "12,000 of about 100,000 articles, 1,480
# articles/s, about 1 min left" (tqdm's own rate and time left would be a second
# arithmetic, on a total that it cannot estimate).
BAR_FORMAT = "{percentage:3.0f}%|{bar}| {desc}"


class ArticleBar:
    """`vindex index`'s `Progress`: a bar of articles with `BuildProgress`'s figures."""

    def __init__(self, files: int, total_bytes: int, show: bool | None = None) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            unit="articles",
            bar_format=BAR_FORMAT,
            disable=None if show is None else not show,
            file=sys.stderr,
            # The summary line, printed after the bar, stays on the terminal.
            leave=False,
            dynamic_ncols=True,
        )
        self.figures = BuildProgress(files, total_bytes, self._show)

    def advance(self, articles: int, nbytes: int) -> None:
        self.figures.advance(articles, nbytes)

    def close(self) -> None:
        self.figures.close()
        self.bar.close()

    def _show(self, figures: ProgressFigures) -> None:
        # The total improves as files are read: the bar follows the estimate.
        self.bar.total = figures.total or None
        self.bar.set_description_str(figures.describe(), refresh=False)
        # Shown at once, not through `update`: it skips a refresh within 0.1 s of the
        # last one, or within its guess of how many items come between refreshes,
        # and a skipped state stays on screen until the next call, seconds later
        # (a small build showed only 0% and its end). A build calls this once a
        # file (or a batch), not once an article.
        self.bar.n = figures.articles
        self.bar.refresh()


def _index(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.corpus.is_dir() and not args.paths:
        raise UsageError(f"no corpus folder at {settings.corpus}")
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")

    def progress(files: int, total_bytes: int) -> ArticleBar:
        # None: a bar on a terminal, nothing in logs and pipes (unless --progress).
        return ArticleBar(files, total_bytes, None if args.progress is None else args.progress)

    archive = open_backend(settings)
    try:
        report = archive.index(
            args.paths or None, rebuild=args.rebuild, progress=progress, on_wait=_waiting(settings)
        )
    finally:
        archive.close()
    if report.repaired:
        print(f"vindex: {report.repaired}: rebuilt it", file=sys.stderr)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(report.summary())
    return EXIT_FAILED if report.errors else EXIT_OK


def _parse(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.entities.enrich import entity_enricher
    from indexer.entities.gazetteer import GazetteerError
    from indexer.ingest.corpus import read_file

    failed = False
    try:
        enrich = entity_enricher(settings.corpus)
    except GazetteerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        failed = True
        enrich = entity_enricher(settings.corpus, use_overrides=False)
    for path in args.files:
        result = read_file(path, settings.max_file_bytes)
        for article in result.articles:
            print(json.dumps(enrich(article).to_dict(), ensure_ascii=False))
        for error in result.errors:
            failed = True
            print(f"error: {error}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from indexer.ingest.importers import ImportFailed, import_corpus

    bar = tqdm(unit="doc", disable=None, file=sys.stderr, leave=False)

    def advance(n: int) -> None:
        bar.update(n)

    try:
        summary = import_corpus(args.dataset, args.path, args.out, progress=advance)
    except ImportFailed as exc:
        raise UsageError(str(exc)) from exc
    finally:
        bar.close()
    dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(summary.dropped.items()))
    print(
        f"{args.dataset}: read {summary.read} documents, wrote {summary.written} articles "
        f"in {len(summary.files)} files to {args.out}"
        + (f"; dropped {sum(summary.dropped.values())} ({dropped})" if summary.dropped else "")
    )
    return EXIT_OK


def _usage_error(exc: RequestError) -> UsageError:
    """A bad search parameter, named as the command line spells it (`q` is QUERY)."""
    name = "QUERY" if exc.param == "q" else f"--{exc.param.replace('_', '-')}"
    return UsageError(f"{name}: {exc.message}")


def _search(args: argparse.Namespace, settings: Settings) -> int:
    import html

    from indexer.archive.request import RequestError, SearchRequest

    params: dict[str, list[str]] = {
        "q": [args.query],
        "page": [args.page],
        "per_page": [args.per_page],
    }
    for name in ("section", "person", "organization", "place", "language", "source"):
        params[name] = getattr(args, name)
    for name, value in (("from", args.date_from), ("to", args.date_to), ("sort", args.sort)):
        if value:
            params[name] = [value]
    try:
        request = SearchRequest.from_params(params)
    except RequestError as exc:
        raise _usage_error(exc) from exc
    archive = open_backend(settings)
    try:
        result = archive.search(request)
    except ArchiveMissing as exc:
        raise UsageError(str(exc)) from exc
    except RequestError as exc:
        # Only the index can tell that a query's prefixes stand for too much.
        raise _usage_error(exc) from exc
    finally:
        archive.close()
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK

    def plain(marked: str) -> str:
        return html.unescape(marked.replace("<mark>", "").replace("</mark>", ""))

    for line in filter(
        None, (result.notice, result.suggestion and f"Did you mean: {result.suggestion}")
    ):
        print(line)
    for name, unknown in result.filter_suggestions.items():
        for item in unknown:
            # On stderr too: a script reading the hits still learns why there are none.
            line = f"--{name}: the archive has no {item.value!r}"
            if item.closest:
                line += "; did you mean " + " or ".join(repr(c) for c in item.closest) + "?"
            print(line, file=sys.stderr)
    print(f"{result.total} {request.describe()} ({result.took_ms:.1f} ms)")
    for hit in result.hits:
        print(f"\n{hit.published[:10]}  {plain(hit.title_html)}")
        print(f"            {hit.section}  {hit.url}")
        print(f"            {plain(hit.snippet_html)}")
    if result.pages > 1:
        print(f"\npage {result.page} of {result.pages}")
    return EXIT_OK


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    archive = open_backend(settings)
    try:
        stats = archive.stats()
    except ArchiveMissing as exc:
        raise UsageError(str(exc)) from exc
    finally:
        archive.close()
    if args.json:
        print(json.dumps(stats.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"articles: {stats.articles}")
    print(f"index: {stats.index_bytes / 1048576:.1f} MB ({stats.generation})")
    print(f"built: {stats.built}; last update: {stats.updated}")
    tallies = {"languages": stats.languages, "years": stats.years, "sections": stats.sections}
    for name, tally in tallies.items():
        print(f"{name}:")
        for key, count in tally.items():
            print(f"  {count:>7}  {key}")
    return EXIT_OK


def _entities(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.archive.request import SearchRequest

    if args.limit < 1:
        raise UsageError("--limit must be 1 or more")
    kinds = args.type or ["person", "organization", "place"]
    archive = open_backend(settings)
    try:
        result = archive.search(SearchRequest(), facet_limit=args.limit)
    except ArchiveMissing as exc:
        raise UsageError(str(exc)) from exc
    finally:
        archive.close()
    top = {
        kind: [{"name": v.value, "articles": v.count} for v in result.facets[kind]]
        for kind in kinds
    }
    if args.json:
        print(json.dumps(top, ensure_ascii=False, indent=2))
        return EXIT_OK
    for kind in kinds:
        print(f"{kind} ({result.facet_distinct[kind]} distinct):")
        for item in top[kind]:
            print(f"  {item['articles']:>7}  {item['name']}")
    return EXIT_OK


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.editing.trash import RestoreError, find, restore

    entry = find(settings.corpus, args.id)
    if entry is None:
        raise UsageError(f"no article {args.id!r} in {settings.corpus}/.trash/")
    archive = open_backend(settings)
    try:
        try:
            live = [i for i in entry.ids if archive.article(i) is not None]
        except ArchiveMissing:
            live = []
        if live:
            raise UsageError(
                f"{', '.join(live)} in the index already: remove it first, or upload the "
                f"trashed version ({entry.file}) again"
            )
        try:
            path = restore(settings.corpus, entry)
        except RestoreError as exc:
            raise UsageError(str(exc)) from exc
        # The whole corpus, incrementally: cheap when little changed, and never a rebuild
        # of only this file when the index must be rebuilt anyway.
        report = archive.index(None, on_wait=_waiting(settings))
    finally:
        archive.close()
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"restored {', '.join(entry.ids)} to {path}; {report.summary()}")
    return EXIT_FAILED if report.errors else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
