"""An article's entities: its people, organisations and places (SPEC §5).

Three sources, in order of precedence: the entities an editor put in the
article's metadata; the gazetteer's names found in its title, lead, image
caption and body; and names found by rule (see `indexer.entities.extract`). The place
the story was filed from, its dateline (``VIENNA, July 4``), is a place of
the article too, as its city and that city's country.

An editor's name is canonicalised through the gazetteer when it is an alias
of an entry of the same type (``Wien`` -> ``Vienna``) and keeps the type the
editor gave it; a name is never listed under two types, the higher source
deciding. Within a type: the editor's names in their order, then the dateline,
then the rest by first mention.
"""

from __future__ import annotations

import re
from functools import cache
from operator import attrgetter
from pathlib import Path

from indexer.entities.extract import GAZETTEER, RULE, Extractor, GazetteerExtractor, Mention
from indexer.entities.gazetteer import Entry, Gazetteer, load_gazetteer
from indexer.entities.source import credited, self_mentions
from indexer.ingest.article import ENTITY_TYPES, Article, Entities

__all__ = [
    "Extractor",
    "GazetteerExtractor",
    "Mention",
    "article_entities",
    "article_text",
    "dateline_places",
    "default_extractor",
]

DATELINE = "dateline"

# Where a dateline's place ends: a comma ("VIENNA, July 4"), a dash, a
# parenthesis ("VIENNA (Reuters) -"), a slash ("WIEN/BRÜSSEL").
_DATELINE_PARTS = re.compile(r"\s*(?:,|/|\(|\s[-–—]\s|\s[-–—]$)\s*")
# Wire copy that starts with its dateline: "WASHINGTON, March 2 - ...",
# "NEW YORK (Reuters) - ...", "PORTLAND, Ore., Feb 26 - ...", "WIEN, 14. September (APA) -".
_WIRE_START = re.compile(
    r"\s*(?P<place>[A-ZÄÖÜ][A-ZÄÖÜ.'’ -]{1,40}?)"
    r"(?:,\s*(?P<region>[A-Z][A-Za-z.]{1,14}(?: [A-Z][A-Za-z.]{1,14})?))?"
    r"(?:(?:,\s*(?:[A-Z][a-zä]{2,9}\.?\s+\d{1,2}|\d{1,2}\.\s*[A-ZÄ][a-zä]{2,9})\b)"
    r"\s*(?:\([A-Za-z ]{2,20}\)\s*)?(?:[-–—]\s)?"
    r"|\s*(?:\([A-Za-z ]{2,20}\)\s*)?[-–—]\s)"
)
_DATE_WORD = re.compile(r"(?:\d|[A-Z][a-z]{2,9}\.?\s+\d)")

# State and province abbreviations of North American and Australian
# datelines ("PORTLAND, Ore."), as the AP and the wires write them.
_STATE_ABBREVIATIONS = {
    country: frozenset(abbreviations.split())
    for country, abbreviations in {
        "United States": (
            "Ala. Ariz. Ark. Calif. Cal. Colo. Conn. Del. D.C. Fla. Ga. Ill. Ind. Kan. Kans. "
            "Ky. La. Md. Mass. Mich. Minn. Miss. Mo. Mont. Neb. Nebr. Nev. N.H. N.J. N.M. "
            "N.Y. N.C. N.D. Okla. Ore. Pa. Penn. R.I. S.C. S.D. Tenn. Tex. Vt. Va. Wash. "
            "W.Va. W.Va Wis. Wisc. Wyo."
        ),
        "Canada": "Ont. Que. Alta. B.C. Man. Sask. N.S. N.B. Nfld. P.E.I.",
        "Australia": "N.S.W. Qld. Vic. Tas. W.A.",
    }.items()
}


@cache
def _default_extractor() -> GazetteerExtractor:
    return GazetteerExtractor(load_gazetteer())


def default_extractor(overrides: Path | None = None) -> Extractor:
    """The gazetteer extractor, with the corpus's overrides file when given."""
    if overrides is None:
        return _default_extractor()
    return GazetteerExtractor(load_gazetteer(overrides))


def dateline_places(dateline: str, body_start: str, gazetteer: Gazetteer) -> list[str]:
    """The place a story was filed from: its city and country (["New York", "United States"]).

    From the dateline field (``VIENNA, July 4``, ``WIEN, 14. September``) or,
    when that is empty, from a wire dateline at the start of the body
    (``WASHINGTON, March 2 - ...``). A dateline naming a country gives the
    country; an unknown place gives nothing, unless its state or country is
    named (``COMMACK, N.Y.`` -> ``United States``).
    """
    if dateline.strip():
        fields: dict[str, tuple[str, str]] = gazetteer.derived("dateline_fields", lambda _: {})
        parsed = fields.get(dateline)
        if parsed is None:
            if len(fields) >= _RESOLVED_PLACES:
                fields.clear()
            parsed = fields[dateline] = _dateline_field(dateline)
        place, region = parsed
    else:
        match = _WIRE_START.match(body_start[:200])
        if match is None:
            return []
        place, region = match.group("place"), match.group("region") or ""
    return _resolve(place.strip(" .-"), region.strip(), gazetteer)


def _dateline_field(dateline: str) -> tuple[str, str]:
    """The place and region of a dateline field ("PORTLAND, Ore., Feb 26 -": PORTLAND, Ore.)."""
    place, region = "", ""
    parts = [p for p in _DATELINE_PARTS.split(dateline.strip()) if p]
    if parts:
        place = parts[0]
        if len(parts) > 1 and not _DATE_WORD.match(parts[1]):
            region = parts[1]
    return place, region


# Datelines resolved, kept per gazetteer: an archive files from a few hundred
# places ("NEW YORK", "WASHINGTON"), each resolved by several lookups.
_RESOLVED_PLACES = 1 << 16


def _resolve(place: str, region: str, gazetteer: Gazetteer) -> list[str]:
    resolved: dict[tuple[str, str], tuple[str, ...]]
    resolved = gazetteer.derived("dateline_places", lambda _: {})
    key = (place, region)
    found = resolved.get(key)
    if found is None:
        if len(resolved) >= _RESOLVED_PLACES:
            resolved.clear()
        found = resolved[key] = tuple(_resolve_place(place, region, gazetteer))
    return list(found)


def _resolve_place(place: str, region: str, gazetteer: Gazetteer) -> list[str]:
    if not place or len(place) > 60:
        return []
    country = _region_country(region, gazetteer) if region else None
    candidates = _places(place, gazetteer)
    if country is not None:
        # "PORTLAND, Ore.": the Portland in the United States, not the first one.
        candidates = [e for e in candidates if _country(e, gazetteer) == country] or []
        if not candidates:
            return [country]
    if not candidates:
        return []
    entry = candidates[0]
    found = _country(entry, gazetteer)
    if found is None or found == entry.name:
        return [entry.name]
    return [entry.name, found]


def _places(name: str, gazetteer: Gazetteer) -> list[Entry]:
    """The place entries a dateline's name may stand for, most likely first."""
    index = gazetteer.by_alias()
    for form in (name, name.title(), name.capitalize()):
        entries = [e for e in index.get(form, ()) if e.type == "place"]
        if entries:
            return entries
    entry = gazetteer.find(name, "place")
    return [entry] if entry is not None else []


def _region_country(region: str, gazetteer: Gazetteer) -> str | None:
    for country, abbreviations in _STATE_ABBREVIATIONS.items():
        if region in abbreviations or region + "." in abbreviations:
            return country
    entries = _places(region, gazetteer)
    return _country(entries[0], gazetteer) if entries else None


def _country(entry: Entry, gazetteer: Gazetteer) -> str | None:
    if entry.kind == "country":
        return entry.name
    return entry.country or gazetteer.country_of(entry.name)


def article_text(article: Article) -> str:
    """The text entities are found in: title, lead, image caption and body."""
    return "\n\n".join(
        part for part in (article.title, article.lead, article.image_caption, *article.body) if part
    )


def article_entities(article: Article, extractor: Extractor, gazetteer: Gazetteer) -> Entities:
    """The article's entities, by the precedence of SPEC §5 (see the module docstring)."""
    text = article_text(article)
    mentions = extractor.extract(text, article.language)
    if article.source and article.dateline:
        # Wire copy, filed from its dateline: its agency's name is its credit.
        mentions = _without_credits(mentions, article.source, text)
    if article.source:
        own = _self_mentions(text, article.source, gazetteer)
        if own:
            # The paper's own name is this rule's: another step's mention of the same
            # words ("STANDARD", as the span model writes it) would list it twice.
            spans = {(m.start, m.end) for m in own}
            mentions = [m for m in mentions if (m.start, m.end) not in spans]
        mentions = [*mentions, *own]
    body_start = article.lead or (article.body[0] if article.body else "")
    filed_from = dateline_places(article.dateline, body_start, gazetteer)
    return merge_entities(article.entities, mentions, filed_from, gazetteer)


def _without_credits(mentions: list[Mention], source: str, text: str) -> list[Mention]:
    """The mentions but those crediting the story to its own source by the very name
    the article gives as its source ("told Reuters" in a Reuters story)."""
    written = source.casefold()
    return [
        m
        for m in mentions
        if not (
            m.type == "organization"
            and m.start >= 0
            and text[m.start : m.end].casefold() == written
            and credited(text, m.start, m.end)
        )
    ]


def _self_mentions(text: str, source: str, gazetteer: Gazetteer) -> list[Mention]:
    """The paper naming itself ("dem STANDARD vorliegt"), by its canonical name."""
    spans = list(self_mentions(text, source))
    if not spans:
        return []
    entry = gazetteer.find(source, "organization")
    name = entry.name if entry is not None else source
    return [Mention("organization", name, start, end, RULE) for start, end in spans]


_RANK = {GAZETTEER: 1, DATELINE: 1, RULE: 2}


def merge_entities(
    editor: Entities, mentions: list[Mention], filed_from: list[str], gazetteer: Gazetteer
) -> Entities:
    """Editor's entities, then dateline places, then mentions by first appearance."""
    found: dict[str, list[str]] = {kind: [] for kind in ENTITY_TYPES}
    # Name (case-folded) -> (rank of its source, type): the first claim of the best source wins.
    claimed: dict[str, tuple[int, str]] = {}
    for kind in ENTITY_TYPES:
        for name in editor.of(kind):
            entry = gazetteer.find(name, kind)
            canonical = entry.name if entry is not None else name
            key = canonical.casefold()
            if key not in claimed:
                claimed[key] = (0, kind)
                found[kind].append(canonical)
    extracted = [Mention("place", name, -1, -1, DATELINE) for name in filed_from]
    extracted += sorted(mentions, key=attrgetter("start", "end"))
    keys = [mention.name.casefold() for mention in extracted]
    ranks = [_RANK.get(mention.source, 2) for mention in extracted]
    # By rank, and within a rank in order (a stable sort): the best source claims a name.
    for i in sorted(range(len(extracted)), key=ranks.__getitem__):
        key, mention = keys[i], extracted[i]
        if key not in claimed and mention.type in found:
            claimed[key] = (ranks[i], mention.type)
    placed: set[str] = set()
    for key, mention in zip(keys, extracted, strict=True):
        rank, kind = claimed.get(key, (0, ""))
        if rank == 0 or kind != mention.type or key in placed:
            continue
        placed.add(key)
        found[kind].append(mention.name)
    return Entities(**{kind: tuple(names) for kind, names in found.items()})
