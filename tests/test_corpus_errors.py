"""`read_file` on what a real corpus folder may hold: broken, binary, empty, huge files."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.ingest.corpus import find_files, read_file

GOOD = {"title": "A good article", "body": "It is read.", "published": "2023-07-04"}

# The first bytes of a PNG image: a signature and an IHDR chunk (with NUL bytes).
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def messages(path: Path) -> list[str]:
    return [str(error) for error in read_file(path).errors]


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"title": "x",\n  "body": }', encoding="utf-8")
    assert messages(path) == [f"{path}: line 2: invalid JSON: Expecting value (column 11)"]


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "picture.json"
    path.write_bytes(PNG)
    assert messages(path) == [f"{path}: binary file, not text (it contains NUL bytes)"]


def test_binary_file_without_nul_bytes_is_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "picture.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert messages(path) == [f"{path}: line 1: invalid UTF-8 (byte 0x89 at offset 0)"]


def test_missing_title(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"body": "Text.", "published": "2023-07-04"}), encoding="utf-8")
    assert messages(path) == [f"{path}: field 'title': required and missing"]


def test_unparseable_date(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({**GOOD, "published": "the 32nd of May"}), encoding="utf-8")
    assert messages(path) == [
        f"{path}: field 'published': unparseable date 'the 32nd of May' (no year)"
    ]


def test_empty_files(tmp_path: Path) -> None:
    for name, content in (("empty.json", ""), ("blank.md", " \n\n\t\n")):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        assert messages(path) == [f"{path}: empty file"]


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    line = (json.dumps(GOOD) + "\n").encode("utf-8")
    with path.open("wb") as out:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            out.write(line)
    assert messages(path) == [
        f"{path}: file too large (50.0 MB; the limit is 20 MB): split it into smaller files"
    ]


def test_invalid_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + '{"title": "Café"}\n'.encode("iso-8859-1"))
    offset = path.read_bytes().index(b"\xe9")
    assert messages(path) == [f"{path}: line 2: invalid UTF-8 (byte 0xe9 at offset {offset})"]


def test_jsonl_bad_lines_do_not_stop_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({**GOOD, "id": "one"}),
        '{"title": "broken"',
        json.dumps({**GOOD, "id": "three"}),
        "[1, 2]",
        "",
        json.dumps({"body": "No title.", "published": "2023-07-04"}),
        json.dumps({**GOOD, "id": "seven"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_file(path)
    assert [a.id for a in result.articles] == ["one", "three", "seven"]
    assert [str(e) for e in result.errors] == [
        f"{path}: line 2: invalid JSON: Expecting ',' delimiter (column 19)",
        f"{path}: line 4: expected an article object",
        f"{path}: line 6: field 'title': required and missing",
    ]


def test_json_lists(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([GOOD, "not an article", {**GOOD, "title": ""}]), encoding="utf-8")
    result = read_file(path)
    assert [a.title for a in result.articles] == ["A good article"]
    assert [str(e) for e in result.errors] == [
        f"{path}: item 2: expected an article object",
        f"{path}: item 3: field 'title': required and missing",
    ]
    empty = tmp_path / "empty-list.json"
    empty.write_text("[]", encoding="utf-8")
    assert messages(empty) == [f"{empty}: an empty list: no articles"]
    scalar = tmp_path / "scalar.json"
    scalar.write_text("42", encoding="utf-8")
    assert messages(scalar) == [f"{scalar}: expected an article object or a list of them"]


def test_not_a_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    assert messages(missing) == [f"{missing}: no such file"]
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert messages(folder) == [f"{folder}: is a folder, not a file"]
    unknown = tmp_path / "notes.docx"
    unknown.write_text("x", encoding="utf-8")
    assert messages(unknown) == [f"{unknown}: not an article file (unknown extension)"]


def test_xml_that_is_not_xml(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text("Just some words.", encoding="utf-8")
    assert messages(path) == [f"{path}: line 1: not well-formed XML: syntax error (column 1)"]


def test_find_files_skips_hidden_readmes_and_unknown_files(tmp_path: Path) -> None:
    for name in (
        "b.md",
        "a.json",
        "README.md",
        ".hidden.json",
        ".trash/c.json",
        "x/d.rss",
        "e.png",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in find_files([tmp_path])]
    assert found == ["a.json", "b.md", "x/d.rss"]
