"""Names the gazetteer does not know, found and typed by the words around them.

A gazetteer cannot hold every club, company, town and player an archive
names; the text itself says what they are. After the gazetteer and the name
rules (`indexer.entities.extract`), this step reads a text's cues:

- **Clubs.** In a text about sport, a town written as a team (``Burnley beat
  Leicester``, ``Southampton manager``, ``Bayern-Trainer``, a score between
  two names) is the club, shown as written; so is an unknown capitalised word
  in such a place (``Brentford v Southampton``).
- **Line-ups.** A line listing names (``Replacements: Everitt for Mapletoft
  (53), ...``, a team's ``Van Gisbergen; Voyce, Erinle, ...``) lists people.
- **Roles.** A name after a person's role is a person (``striker Deon Burton``,
  ``Trainer Peter Stöger``).
- **Weak first names.** ``Mark``, ``Will`` or ``Grant`` start a person's name
  when the surname that follows is written again on its own.
- **Organisations.** An unknown ALL-CAPS word that recurs in running text
  (``WMC``, ``ITV1``) names an organisation, unless it is a common
  abbreviation (``GDP``, ``CEO``); so does a word with a company's cues
  (``shares in Yukos``, ``Xstrata's bid``, ``WMC chairman``), a German body in
  one word (``Gesundheitsministerium``) or with its field or place
  (``Handelskammer von Thessaloniki``), and a broadcaster's channel is named
  whole (``BBC Sport Wales``). A short form names the long one the text gives
  (``WMC`` is ``WMC Resources``, ``IRB`` the ``International Rugby Board``).
- **Places.** A run of capitalised words ending in ``Street``, ``Park`` or
  ``Stadium`` (``Fleet Street``, ``Ewood Park``), a German compound ending in
  ``-straße`` or ``-platz``, and an unknown word after ``in``/``near``/``nach``
  that the text never writes in lower case (English) or that ends like a
  German place name (``in Saalfelden``).
- **Wrong links undone.** A nationality adjective is no country (``British``),
  a German job title no ministry (``Verteidigungsminister``), a crude oil
  grade no person or state (``Brent Blend``, ``West Texas Intermediate``),
  an agency's credit (``(Reuters)``, ``(APA)``) no entity of the story, and a
  name inside a longer name is not named apart (``Queens`` in ``Queens Park
  Rangers``).

Each rule visits only the tokens that can matter: the mentions found, or the
tokens whose word is in a small set.

One module per kind of rule: `people`, `clubs`, `organisations`, `places`,
`wrong_links`; `reading` holds what they share (the pass's helpers, the word
tests). `Cues` runs them in their order.
"""

from __future__ import annotations

from indexer.entities.cues.clubs import ClubCues
from indexer.entities.cues.organisations import OrganisationCues
from indexer.entities.cues.people import PeopleCues
from indexer.entities.cues.places import PlaceCues
from indexer.entities.cues.reading import CUE
from indexer.entities.cues.wrong_links import WrongLinkCues

__all__ = ["CUE", "Cues"]


class Cues(PeopleCues, ClubCues, OrganisationCues, PlaceCues, WrongLinkCues):
    """The cue rules over one text being read, in their order."""

    def run(self) -> None:
        r = self.r
        self._weak_first_names()
        self._lineups()
        self._people_by_role()
        self._prefixed_clubs()
        if self.sporty:
            self._clubs()
        self._channels()
        self._companies()
        if r.german:
            self._bodies()
            self._tailed_bodies()
        self._acronyms()
        self._places_by_head()
        self._places_after_preposition()
        self._people_after_said()  # last: a word named a company elsewhere is not a speaker
        r.mentions = self._undo_wrong_links(r.mentions)
