"""The entity evaluation sample: which BBC News and 10kGNAD articles are annotated.

The sample is drawn at random with a fixed seed from the two archives the
extractor was not built from (see tests/data/README.md), so anyone can draw it
again and check that the annotated articles are the ones the seed gives. Each
archive's first draw is split in two halves in draw order: the first half
tunes the extractor, the second was held out. A second, fresh draw of as many
articles (none of the first) is the final held-out set: see
tests/data/README.md for why.

    .venv/bin/python bench/entity_sample.py [--corpora ../shared/corpora] [--dump DIR]

It prints one line per article (archive, half, id, title). With ``--dump`` it
also writes each article's text as the extractor sees it
to ``DIR/<archive>-<half>/<id>.txt`` for annotators; the texts stay outside the repository.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.ingest.article import Article, make_article
from indexer.ingest.importers import Drop, bbc, gnad

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261204
PER_ARCHIVE = 60
HALVES = ("tune", "held")


@dataclass(frozen=True)
class Drawn:
    """One sampled article and the half it belongs to."""

    archive: str  # "bbc" | "gnad"
    half: str  # "tune" | "held" | "fresh" | "third"
    article: Article


def articles(archive: str, corpora: Path) -> list[Article]:
    """Every article of one archive, in the archive's own order."""
    module = {"bbc": bbc, "gnad": gnad}[archive]
    folder = corpora / {"bbc": "bbc-news", "gnad": "10kgnad"}[archive]
    return [make_article(doc) for doc in module.documents(folder) if not isinstance(doc, Drop)]


def draw(corpora: Path, seed: int = SEED, size: int = PER_ARCHIVE) -> Iterator[Drawn]:
    """The sample: `size` articles per archive, the first half of each draw to tune,
    then the fresh draw: `size` more per archive, none of the first, and the third
    draw: `size` more, none of the first two, all held out."""
    for archive in ("bbc", "gnad"):
        pool = sorted(articles(archive, corpora), key=lambda article: article.id)
        chosen = random.Random(f"{seed}:{archive}").sample(pool, size)
        for position, article in enumerate(chosen):
            yield Drawn(archive, HALVES[position * 2 // size], article)
        drawn = {article.id for article in chosen}
        rest = [article for article in pool if article.id not in drawn]
        fresh = random.Random(f"{seed}:fresh:{archive}").sample(rest, size)
        for article in fresh:
            yield Drawn(archive, "fresh", article)
        # The third draw: the held-out set once the fresh draw had been reported on
        # and so become tuning material too (tests/data/README.md).
        drawn |= {article.id for article in fresh}
        rest = [article for article in pool if article.id not in drawn]
        for article in random.Random(f"{seed}:third:{archive}").sample(rest, size):
            yield Drawn(archive, "third", article)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--dump", type=Path, help="write each article's text here")
    args = parser.parse_args()
    for drawn in draw(args.corpora):
        print(drawn.archive, drawn.half, drawn.article.id, drawn.article.title, sep="\t")
        if args.dump:
            folder = args.dump / f"{drawn.archive}-{drawn.half}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{drawn.article.id}.txt").write_text(drawn.article.text, "utf-8")


if __name__ == "__main__":
    main()
