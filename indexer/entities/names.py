"""What names look like in English and German news: the word lists of the rules.

Function words, months and weekdays (never part of a name), name particles
(``von der``, ``bin``), the head words that end an organisation's name
(``Bank``, ``Ministry``, ``AG``), abbreviations whose period ends no sentence,
and the titles and honorifics that stand before a person's name
(``data/titles.txt``, plus German compounds such as ``Außenminister``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

TITLES_PATH = Path(__file__).resolve().parents[1] / "data" / "titles.txt"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words, months and weekdays of English and German: never a name, a
# name's part or the start of an organisation, and an acronym spelled like one
# (US, IT, WHO) is not trusted in an ALL-CAPS line.
STOPWORDS = _words(
    """
    a an and are as at be been but by can could did do does for from had has
    have he her hers him his how i if in into is it its just may me might more
    most must my no nor not now of off on once only or our out over per she
    should so some such than that the their them then there these they this
    those though through to too under until up upon us very was we were what
    when where which while who whom whose why will with would yet you your
    also after against all any because before being both during each few
    further here meanwhile other own same thus today tomorrow yesterday
    however according although among around
    aber alle als am an auch auf aus bei bis da damit dann das dass dem den
    denn der des die dies diese diesem diesen dieser doch dort du durch ein
    eine einem einen einer eines er es für gegen hat hatte ich ihm ihn ihr
    im in ist ja jedoch kein keine man mit nach nicht noch nun nur ob oder
    ohne sein seine sich sie sind so über um und uns unter vom von vor war
    waren was weil wenn wer wie wir wird wurde zu zum zur zwischen heute
    gestern morgen laut sowie seit
    """
)
MONTHS_AND_DAYS = _words(
    """
    January February March April May June July August September October
    November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    Januar Februar März Juni Juli Oktober Dezember Jänner Feber
    Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Sonnabend
    """
)
# Particles inside names: "Ursula von der Leyen", "Osama bin Laden".
PARTICLES = _words("von van der den de del della di da du dos la le al el bin ben ibn bint ter zu")
# Words that end an organisation's name (Pattern A) or lead one followed by
# "of"/"for"/"für" (Pattern B: "Bank of Japan", "Ministry of Finance").
ORG_HEADS = _words(
    """
    Ministry Department Bank Bancorp Bancshares Banque Corp Corporation Inc
    Incorporated Co Company Ltd Limited Plc PLC LLC Group Holdings Association
    Agency Council Commission Committee Institute University College Party Fund
    Foundation Organisation Organization Federation Confederation Authority
    Board Bureau Union Court Parliament Exchange Trust Airlines Airways
    AG GmbH KG SE SA SpA NV BV Ministerium Verband Partei Kommission Institut
    Universität Stiftung Gewerkschaft Kammer Fonds Agentur Behörde Gruppe
    Holding Konzern
    Office Society Service Services Studios Productions Partnership Securities
    Resources Industries Systems Technologies Communications Network Records
    Entertainment Insurance Investments Treasury Infirmary Hospital
    School Church Centre Army Navy Police Radio Channel Assembly
    United City Rovers Athletic Wanderers Albion Rangers Harriers Hotspur
    Gericht Gerichtshof Ausschuss
    """
)
HEAD_LINKS = frozenset({"of", "for", "für", "on"})
INDEFINITE = frozenset({"a", "an", "ein", "eine", "einer", "einem", "einen", "eines"})
# After a title, these belong to it: "Secretary General", "Attorney General".
TITLE_WORDS = frozenset({"General", "Designate", "Elect", "Emeritus"})
# German compound titles: "Außenminister", "Bundespräsidentin", "Generalsekretär".
_GERMAN_TITLE_ENDINGS = (
    "minister",
    "ministerin",
    "präsident",
    "präsidentin",
    "kanzler",
    "kanzlerin",
    "sekretär",
    "sekretärin",
    "botschafter",
    "botschafterin",
    "direktor",
    "direktorin",
)
# Abbreviations whose period does not end a sentence.
ABBREVIATIONS = _words(
    "Mr Mrs Ms Dr Prof St Co Corp Inc Ltd Jr Sr Gen Col Lt Maj Capt Adm Sgt Sen Rep Mag Ing "
    "Dipl No Nr U.S U.K U.N Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec vs"
)
SUFFIXES = frozenset({"Jr", "Sr", "II", "III", "IV"})


@cache
def load_titles(path: Path = TITLES_PATH) -> frozenset[str]:
    """The titles and honorifics of ``data/titles.txt``."""
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(word)
    return frozenset(words)


def is_title(word: str, titles: frozenset[str]) -> bool:
    """A title or honorific before a name: listed, or a German compound title."""
    if word in titles:
        return True
    return word[:1].isupper() and word.lower().endswith(_GERMAN_TITLE_ENDINGS)


# What every German compound title holds (each ending above contains one).
_GERMAN_TITLE_STEMS = ("minister", "präsident", "kanzler", "sekretär", "botschafter", "direktor")


def may_hold_compound_titles(text: str) -> bool:
    """False when no word of the text can be a German compound title: none holds a stem.

    A word's lower case is a part of the text's lower case (lowering maps
    characters one by one, but for a final sigma, which no stem holds), so a
    text without a stem has no title but the listed ones.
    """
    lowered = text.lower()
    return any(stem in lowered for stem in _GERMAN_TITLE_STEMS)
