"""The entity cache: a rebuild gives an article the entities extracted before.

Real builds of a small corpus into a real index on disk; the cache's files are
read as the build left them.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_json

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.entities.cache import CACHE_FOLDER, EntityCache, article_key
from indexer.ingest.article import Entities, make_article


def stored_entities(location: IndexLocation) -> dict[str, dict[str, str]]:
    """Per article id: its stored entity fields."""
    ix = location.open()
    try:
        with ix.searcher() as searcher:
            return {
                fields["id"]: {k: fields.get(k, "") for k in ("person", "organization", "place")}
                for fields in searcher.all_stored_fields()
            }
    finally:
        ix.close()


def cache_lines(location: IndexLocation) -> list[dict[str, object]]:
    lines = []
    for part in sorted((location.root / CACHE_FOLDER).glob("*/part-*.jsonl")):
        lines += [json.loads(line) for line in part.read_text("utf-8").splitlines()]
    return lines


def test_a_rebuild_does_not_extract_again(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    first = stored_entities(location)
    assert first["osce-conference"]["organization"] == "OSCE"
    extracted = cache_lines(location)
    assert len(extracted) == 5  # one line per article extracted

    update_index(location, corpus, rebuild=True)
    assert stored_entities(location) == first
    assert cache_lines(location) == extracted  # nothing extracted again


def test_the_rebuild_takes_what_the_cache_holds(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    # What the cache says wins over extracting: the cache is what the rebuild reads.
    [part] = (location.root / CACHE_FOLDER).glob("*/part-*.jsonl")
    records = [json.loads(line) for line in part.read_text("utf-8").splitlines()]
    for record in records:
        if record["e"]["organization"] == ["OSCE"]:
            record["e"]["organization"] = ["Cached Organisation"]
    part.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")

    update_index(location, corpus, rebuild=True)
    assert stored_entities(location)["osce-conference"]["organization"] == "Cached Organisation"


def test_a_changed_article_is_extracted_again(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    article = json.loads((corpus / "2024" / "osce.json").read_text("utf-8"))
    article["lead"] = "The IAEA met at the Hofburg."
    write_json(corpus / "2024" / "osce.json", article)

    update_index(location, corpus, rebuild=True)
    assert "IAEA" in stored_entities(location)["osce-conference"]["organization"].split(",")
    assert len(cache_lines(location)) == 6


def test_another_signature_starts_an_empty_cache(tmp_path: Path) -> None:
    article = make_article(
        {
            "id": "a",
            "title": "OSCE in Vienna",
            "body": "The Council met.",
            "published": "2024-01-01",
            "language": "en",
        }
    )
    key = article_key(article)
    old = EntityCache(tmp_path, "old-signature")
    old.put(key, Entities(organization=("OSCE",)))
    old.close()
    assert EntityCache(tmp_path, "old-signature").get(key) == Entities(organization=("OSCE",))

    new = EntityCache(tmp_path, "new-signature")
    assert new.get(key) is None
    assert not (tmp_path / "old-signature").exists()


def test_a_line_cut_short_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "signature"
    folder.mkdir()
    whole = json.dumps({"k": "k1", "e": {"person": ["Helga Maria Schmid"]}})
    (folder / "part-1.jsonl").write_text(whole + "\n" + '{"k": "k2", "e": {"pla', "utf-8")
    cache = EntityCache(tmp_path, "signature")
    assert cache.get("k1") == Entities(person=("Helga Maria Schmid",))
    assert cache.get("k2") is None


def test_the_key_is_what_extraction_reads() -> None:
    base = {
        "id": "a",
        "title": "OSCE in Vienna",
        "body": "The Council met.",
        "published": "2024-01-01",
        "language": "en",
    }
    key = article_key(make_article(base))
    # Another id or section reads the same text: the same key.
    assert article_key(make_article({**base, "id": "b", "section": "News"})) == key
    assert article_key(make_article({**base, "title": "OSCE in Graz"})) != key
    assert article_key(make_article({**base, "language": "de"})) != key
    editor = {**base, "entities": {"person": ["Helga Maria Schmid"]}}
    assert article_key(make_article(editor)) != key
