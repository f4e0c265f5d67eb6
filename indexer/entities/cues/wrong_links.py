"""Wrong links undone, after the cue rules: a nationality adjective is no country
(``British``), a German job title no ministry (``Verteidigungsminister``), an agency's
credit no entity of the story, names inside longer names not named apart (``Queens``
in ``Queens Park Rangers``, ``Madrid`` in ``Atletico Madrid``), an organisation found
by rule trimmed to its name as written, and a short form linked to the long name the
text gives (``WMC`` is ``WMC Resources``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexer.entities.cue_words import (
    NOT_NAMES,
)
from indexer.entities.longer_names import inside_longer_place, sponsors_event
from indexer.entities.org_spans import organisation_span

if TYPE_CHECKING:
    from indexer.entities.extract import Mention

from indexer.entities.cues.reading import (
    _DEMONYMS,
    _GERMAN_ARTICLES,
    _JOB_TITLES,
    CueRules,
)


class WrongLinkCues(CueRules):
    """The wrong-link rules of the cue step."""

    def _undo_wrong_links(self, mentions: list[Mention]) -> list[Mention]:
        r = self.r
        text = r.text
        blocked: list[tuple[int, int]] = []
        for phrase in NOT_NAMES:
            at = text.find(phrase)
            while at >= 0:
                blocked.append((at, at + len(phrase)))
                at = text.find(phrase, at + 1)
        kept = []
        for m in mentions:
            if r.german and m.type == "place" and self._after_article(m):
                continue  # "das Leiden", "dem Klang": a noun, not the town
            written = text[m.start : m.end]
            if m.type == "place" and written != m.name and _DEMONYMS[written]:
                continue  # "British" is no country
            if m.type == "organization" and _JOB_TITLES[written]:
                continue  # "Verteidigungsminister" is no ministry
            if blocked and any(start <= m.start and m.end <= end for start, end in blocked):
                continue
            if m.type == "place" and m.source == "gazetteer" and self._part_of_longer(m):
                continue  # "Atletico Madrid", "TU Wien", "Virginia Madsen"
            if m.type == "organization" and sponsors_event(text, m.end):
                continue  # "the Volvo Women's Open" is an event
            if m.type == "organization" and m.source != "gazetteer" and not self._as_written(m):
                continue  # "Galway-based"
            credit = text[m.start - 1 : m.start] == "(" and text[m.end : m.end + 1] in (")", ",")
            if credit and m.type == "organization" and self._kind(m) == "media":
                continue  # an agency's credit: "(Reuters)", "(APA, 3.5.2016)"
            kept.append(m)
        kept = self._outermost(kept)
        self._linked(kept)
        return kept

    def _as_written(self, mention: Mention) -> bool:
        """Trim an organisation found by rule to its name as written (`organisation_span`);
        False if it names none."""
        text = self.r.text
        span = organisation_span(text, mention.start, mention.end)
        if span is None:
            return False
        if span != (mention.start, mention.end):
            before = " ".join(text[mention.start : mention.end].split())
            mention.start, mention.end = span
            if mention.name == before:  # shown as written, not linked to a canonical name
                mention.name = " ".join(text[mention.start : mention.end].split())
        return True

    def _part_of_longer(self, mention: Mention) -> bool:
        """A town, region or continent written as a part of a longer name (a country
        is also about itself: "Air Canada")."""
        r = self.r
        if self._kind(mention) == "country":
            return False
        return inside_longer_place(
            r.text,
            mention.start,
            mention.end,
            r.german,
            r.word_rules.title.__getitem__,
            r.vocabulary,
        )

    def _after_article(self, mention: Mention) -> bool:
        """A German town's name after an article: the common noun it is also spelled as."""
        if self._kind(mention) != "city":
            return False
        before = self.r.text[max(0, mention.start - 7) : mention.start].split()
        return bool(before) and before[-1].lower() in _GERMAN_ARTICLES

    def _linked(self, mentions: list[Mention]) -> None:
        """An organisation's short form names the long one the text gives: "WMC" is
        "WMC Resources", "IRB" the "International Rugby Board", "Marsh" "Marsh & McLennan"."""
        long_names = {m.name for m in mentions if m.type == "organization" and " " in m.name}
        if not long_names:
            return
        short: dict[str, str] = {}
        for name in sorted(long_names, key=len):
            parts = name.split()
            short.setdefault(parts[0], name)
            initials = "".join(p[0] for p in parts if p[0].isupper())
            if len(initials) > 1:
                short.setdefault(initials, name)
            if len(initials) > 3:
                # "PCS": the Public and Commercial Services Union without its head word.
                short.setdefault(initials[:-1], name)
        for m in mentions:
            if m.type == "organization" and " " not in m.name and m.source != "gazetteer":
                m.name = short.get(m.name, m.name)

    def _outermost(self, mentions: list[Mention]) -> list[Mention]:
        """Names inside a longer name are not named apart: "BBC" in "BBC Radio 4", "Queens"
        in "Queens Park Rangers", "Manchester" in "Manchester United" (but a town stays
        inside an organisation that is no club: "Tokyo" in "Tokyo Stock Exchange")."""
        mentions.sort(key=lambda m: (m.start, -m.end))
        outer: list[Mention] = []
        widest: Mention | None = None  # the mention reaching furthest so far
        for m in mentions:
            if widest is not None and self._nested(m, widest):
                continue
            if widest is None or m.end > widest.end:
                widest = m
            outer.append(m)
        return outer

    def _nested(self, inner: Mention, outer: Mention) -> bool:
        """`inner` lies strictly inside `outer` and is only a part of its name."""
        if inner.start < 0 or inner.end > outer.end:
            return False
        if (inner.start, inner.end) == (outer.start, outer.end):
            return False
        return self._within(inner, outer)

    def _within(self, inner: Mention, outer: Mention) -> bool:
        """Whether `inner` is only a part of `outer`'s name."""
        if inner.type == outer.type or outer.type == "place":
            return True
        if outer.type == "organization" and inner.type == "place":
            # "University of Iowa", "Leicester City"; but "Bank of Japan" is also about Japan.
            return self._kind(inner) != "country"
        return inner.type == "place" and outer.type == "person"
