"""Safe names, atomic writes, and the trash: the file-system side of editors' uploads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, search, synthetic_article, write_json, write_jsonl

from indexer.editing.trash import entries, find, restore, trash_file
from indexer.editing.uploads import free_name, inside, parse_file, safe_name
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.ingest.corpus import find_files, reads_name
from indexer.system.files import TEMPORARY_PREFIX, atomic_write, remove_stale_temporaries


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("report.json", "report.json"),
        ("../../etc/passwd", "passwd.json"),
        ("/etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("a\x00b.jsonl", "ab.jsonl"),
        ("Österreich Wahl 2024.md", "Osterreich-Wahl-2024.md"),
        ("‮gnp.exe.json", "gnp.exe.json"),
        ("..json", "upload.json"),
        (".hidden.md", "hidden.md"),
        ("feed.NITF.XML", "feed.nitf.xml"),
        ("東京.html", "upload.html"),
        ("", "upload.json"),
        ("x" * 300 + ".json", "x" * 80 + ".json"),
    ],
)
def test_a_client_name_becomes_a_plain_name(client_name: str, expected: str) -> None:
    assert safe_name(client_name) == expected


@pytest.mark.parametrize(
    "client_name",
    ["../../etc/passwd", "/etc/passwd", "..", ".", "a/../../b.json", "\x00", "..\\x.md", "CON"],
)
def test_safe_names_stay_in_their_folder(tmp_path: Path, client_name: str) -> None:
    folder = tmp_path / "uploads"
    target = folder / safe_name(client_name)
    assert inside(folder, target)
    assert target.parent == folder
    assert not target.name.startswith(".")


def test_free_name_numbers_taken_names(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "a-2.json").write_text("{}")
    assert free_name(tmp_path, "a.json") == tmp_path / "a-3.json"
    assert free_name(tmp_path, "b.nitf.xml") == tmp_path / "b.nitf.xml"


def test_atomic_write_replaces_whole_files_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "uploads" / "a.json"
    atomic_write(target, b'{"v": 1}')
    atomic_write(target, b'{"v": 2}')
    assert json.loads(target.read_text()) == {"v": 2}
    assert os.listdir(target.parent) == ["a.json"]


def test_atomic_write_takes_text_as_utf8_with_or_without_syncing(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.json", '"Österreich"')
    atomic_write(tmp_path / "b.json", '"Österreich"', durable=False)
    for name in ("a.json", "b.json"):
        assert (tmp_path / name).read_bytes() == '"Österreich"'.encode()
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json"]


def test_a_failed_atomic_write_leaves_no_temporary(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path / "taken", b"{}")
    assert os.listdir(tmp_path) == ["taken"]


def test_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = tmp_path / f"{TEMPORARY_PREFIX}{dead.stdout.strip()}-abc.tmp"
    stale.write_bytes(b'{"half')
    parent_pid = os.getppid()  # alive: its temporary may still be written
    alive = tmp_path / f"{TEMPORARY_PREFIX}{parent_pid}-def.tmp"
    alive.write_bytes(b"{")
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert alive.exists()


def test_an_upload_is_read_as_the_corpus_reads_it() -> None:
    markdown = b"---\ntitle: Talks in Vienna\npublished: 2024-03-01\n---\nThe talks went on.\n"
    [good] = parse_file("../x/talks.md", markdown, 1 << 20)
    assert good.article is not None and good.article.title == "Talks in Vienna"
    [bad] = parse_file("notes.exe", b"hello", 1 << 20)
    assert bad.article is None and "not a corpus format" in bad.reasons[0]
    lines = parse_file(
        "b.jsonl", b'{"title": "A", "body": "b", "published": "2024"}\n{"x": 1}\n', 1 << 20
    )
    assert [p.article is not None for p in lines] == [True, False]
    assert lines[1].reasons[0].startswith("b.jsonl: line 2: field 'title'")


def test_trashed_file_is_restored_and_indexed_again_by_the_cli(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "batch.jsonl", [synthetic_article(i) for i in range(3)])
    single = write_json(corpus / "2024" / "one.json", synthetic_article(7, prefix="keep"))
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    entry = trash_file(corpus, single, ["keep-7"], "deleted by an editor")
    update_index(location, corpus)
    assert search(location, "", **{"per_page": "50"}).total == 3
    assert find(corpus, "keep-7") == entry
    assert [e.ids for e in entries(corpus)] == [("keep-7",)]

    restore = ("restore", "keep-7", "--index", str(tmp_path / "index"), "--corpus", str(corpus))
    done = run_cli(*restore)
    assert done.returncode == 0, done.stderr
    assert single.is_file()
    assert find(corpus, "keep-7") is None
    assert search(location, "").total == 4

    again = run_cli(*restore)
    assert again.returncode == 2
    assert "no article 'keep-7'" in again.stderr


def test_restore_goes_to_uploads_when_the_old_place_is_taken(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    path = write_json(corpus / "a.json", synthetic_article(1))
    entry = trash_file(corpus, path, ["t-1"], "deleted")
    write_json(corpus / "a.json", synthetic_article(2))
    restored = restore(corpus, entry)
    assert restored == corpus / "uploads" / "a.json"
    assert json.loads(restored.read_text())["id"] == "t-1"


def _case_variants(name: str) -> list[str]:
    return sorted({name, name.upper(), name.lower(), name.title(), name.swapcase()})


# Every name the corpus walk skips (its README and LICENSE names, hidden files), in
# every case, with and without the extensions an upload could add, plus paths to them.
_SKIPPED = ["readme.md", "readme.txt", "readme", "license", "license.txt"]
TRICKY_NAMES = sorted(
    {
        variant
        for base in _SKIPPED
        for name in (base, f"{base}.json", f"{base}.md", f".{base}", f"..{base}", f"{base}.")
        for variant in _case_variants(name)
    }
    | {"../README.md", "a/b/LICENSE.txt", "x\\readme.TXT", " README.md", "README.md\x00", ".md"}
)


@pytest.mark.parametrize("client_name", TRICKY_NAMES)
def test_every_name_an_upload_can_get_is_one_the_corpus_walk_reads(
    tmp_path: Path, client_name: str
) -> None:
    folder = tmp_path / "corpus" / "uploads"
    folder.mkdir(parents=True)
    name = safe_name(client_name)
    (folder / name).write_text("{}")
    # Taken, so free_name has to number it: its numbered names are read as well.
    numbered = free_name(folder, name)
    numbered.write_text("{}")
    assert list(find_files([tmp_path / "corpus"])) == sorted([folder / name, numbered])
    assert reads_name(name) and reads_name(numbered.name)


@pytest.mark.parametrize("name", [n for n in TRICKY_NAMES if "/" not in n and "\\" not in n])
def test_reads_name_is_the_rule_of_the_walk(tmp_path: Path, name: str) -> None:
    """Both ways: the walk reads exactly the names `reads_name` says it reads."""
    name = name.replace("\x00", "")
    if name in ("", ".", ".."):
        return
    (tmp_path / name).write_text("{}")
    assert (list(find_files([tmp_path])) == [tmp_path / name]) == reads_name(name)
