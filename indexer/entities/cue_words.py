"""The words around a name that say what it names: the cue lists of `indexer.entities.cues`.

A gazetteer holds the names an archive is known to use; these lists hold what
any news text writes next to a name, in English and German: the words that
make a town a club (``Burnley beat Leicester``, ``Bayern-Trainer``), the
words that end a venue's or a street's name, the place-name endings of German
towns, the acronyms that name no organisation, the labels of a sports line-up,
and the phrases that hold a place name but are not one (``West Texas
Intermediate``).
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A text is about sport when it holds a few of these (a club is then a team's town).
SPORT_WORDS = _words(
    """
    match matches goal goals striker strikers midfielder defender goalkeeper keeper
    winger manager coach league Premiership Championship season penalty kick
    scored fixture rugby football footballer squad try tries fly-half scrum
    half-time unbeaten relegation promoted promotion Premier
    Tor Tore Spiel Spiele Liga Bundesliga Saison Stürmer Verteidiger Torhüter
    Mittelfeldspieler Trainer Tabelle Treffer Klub Verein Meister Meisterschaft
    Elfmeter Abstieg Aufstieg Kicker Teamspieler Legionär
    club clubs referee Uefa Fifa semi-final quarter-final
    """
)
SPORT_MIN_WORDS = 3
# Before a club's name: "beat Leicester", "against Burnley", "gegen Sunderland".
CLUB_BEFORE = _words(
    """
    beat beating beats v vs against joined join joining signed hosts host visit
    visiting face faces facing gegen bei Gastgeber Tabellenführer
    """
)
# After a club's name: "Burnley manager", "Leicester striker", "Dortmund-Trainer".
CLUB_AFTER = _words(
    """
    manager boss striker midfielder defender goalkeeper keeper winger forward
    captain coach fans player players side squad v vs chairman beat beaten drew won lost
    Trainer Coach Stürmer Verteidiger Torhüter Kapitän Fans Spieler
    """
)
# British English gives a team plural verbs: "Brentford have", "Fulham were".
CLUB_VERBS = _words("have were are remain")
# The word of a hyphenated compound that makes its first part a club ("Bayern-Trainer").
CLUB_COMPOUNDS = _words("Trainer Coach Stürmer Verteidiger Torhüter Kapitän Fans Spieler Profi")
# A score between two teams: "Burnley 2-1 Leicester", "London Irish 19-33 Wasps".
SCORE = re.compile(r"\b\d{1,3}\s?[-–:]\s?\d{1,3}\b")
SCORE_AFTER = re.compile(r"\s\d{1,3}\s?[-–:]\s?\d{1,3}\s+[A-ZÄÖÜ]")
SCORE_BEFORE = re.compile(r"[A-Za-zäöüß]\s\d{1,3}\s?[-–:]\s?\d{1,3}\s$")
# Adjectives of nationality that no suffix gives away ("Dutch side", "French club").
NATIONALITIES = _words(
    "Dutch French Swiss Welsh Greek Thai Czech Scots Basque Irish Spanish German English "
    "Mandarin Cantonese Arabic Hindi Urdu Russian Latin Hebrew Persian Farsi Swahili"
)
# The names of competitions: no person, no club ("Premier League", "FA Cup").
COMPETITIONS = _words(
    "League Cup Premiership Championship Liga Bundesliga Trophy Series Olympics Nations Open "
    "Masters Slam"
)

# Words that end a club's name ("Leicester City", "Queens Park Rangers") or
# start one ("FC Augsburg", "SK Rapid"), beyond the organisations' head words.
CLUB_HEADS = _words(
    "United City Rovers Athletic Wanderers Albion Rangers Harriers Hotspur Olympique FC AFC SC"
)
CLUB_PREFIXES = _words(
    "FC AFC SC SK SV VfB VfL TSV TSG RB AS AC ASM CS SSC Rapid Sturm Borussia Eintracht "
    "Hertha Werder Fortuna Admira Real Atlético Inter Dynamo Olympique Sporting Stade"
)

# Words that end the name of a street, a venue or a landmark: "Fleet Street", "Ewood Park".
PLACE_HEADS = _words(
    """
    Street Road Avenue Lane Square Park Stadium Arena Bridge Gardens Ground Cottage
    Circus Strand Hill Valley Lake Ocean Sea River Island Islands Mountains
    Stadion Straße Strasse Gasse Platz Brücke
    """
)
# The endings of a German compound that names a street, square or venue ("Mariahilfer Straße"
# is two words; "Kärntnerstraße", "Heldenplatz", "Prinzenparkstadion" are one).
PLACE_COMPOUND_ENDINGS = ("gasse", "stadion")
# The endings of a German compound that names a public body ("Gesundheitsministerium").
ORG_COMPOUND_ENDINGS = ("ministerium", "anwaltschaft", "korrespondenz", "verband", "bund")
# Compounds that name a body only with the place or field they serve:
# "Handelskammer von Thessaloniki", "Bundesinstitut für Bildungsforschung".
ORG_COMPOUND_WITH_TAIL = ("kammer", "institut", "gericht", "behörde", "amt")
ORG_TAIL_LINKS = _words("von für der des")
# Generic bodies every town or state has: "die Staatsanwaltschaft" names none.
GENERIC_BODIES = ("staatsanwaltschaft", "oberstaatsanwaltschaft")
# The endings of German and Austrian place names: "in Saalfelden", "nach Leonberg".
PLACE_NAME_ENDINGS = (
    "dorf",
    "berg",
    "burg",
    "feld",
    "felden",
    "heim",
    "hausen",
    "stadt",
    "kirchen",
    "hofen",
    "bach",
    "brunn",
    "bruck",
    "brück",
    "see",
    "tal",
    "stein",
    "ingen",
    "itz",
    "au",
    "ach",
    "eck",
    "garten",
    "wald",
    "spitze",
    "kopf",
    "horn",
    "hütte",
    "alm",
    "joch",
    "wand",
)
# Common German nouns with those endings: "im Vorfeld" names no place.
NOT_PLACE_NOUNS = _words(
    """
    Frau Bau Schau Stau Vorschau Umfeld Vorfeld Spielfeld Kindergarten Sitz Blitz Witz
    Kapital Portal Hospital Dach Fach Krach Eisberg Altersheim Tierheim Regenwald
    Grundstein Meilenstein Hintergrund Zusammenhang Anfang Fall Wald Berg Tal See
    Kopf Horn Wand Alm Gipfel Stern Kern Ländern Eltern Bauern Fern
    """
)
# A person's role before the name: "striker Deon Burton", "Trainer Peter Stöger".
ROLES = _words(
    """
    striker midfielder defender goalkeeper keeper winger forward captain coach manager
    chairman chairwoman spokesman spokeswoman analyst economist singer actor actress
    director producer player lawyer chief executive boss leader strategist officer
    Stürmer Verteidiger Torhüter Tormann Mittelfeldspieler Trainer Kapitän Sprecher
    Sprecherin Sänger Sängerin Schauspieler Schauspielerin Regisseur Regisseurin Anwalt
    Anwältin Experte Expertin Chef Chefin Obmann Bürgermeister Bürgermeisterin
    """
)
# Before a place: "in Pattaya", "nach Leonberg", "town of Evesham".
PLACE_BEFORE = _words("in near outside nach aus bei nahe durch am im vom von zum Richtung")
# Before a town's district or a region's part: "Bezirk Kitzbühel", "Ortsteil Uttenhofen".
PLACE_PREFIXES = _words("Bezirk")
# The same, not part of the name: "im Ortsteil Uttenhofen" names "Uttenhofen".
PLACE_MARKERS = _words("Ortsteil Gemeinde Stadtteil Ort")
# German roles in one word: "Bundesschulsprecher" is no name.
GERMAN_ROLE_ENDINGS = ("sprecher", "sprecherin", "chef", "chefin", "trainer", "leiter", "leiterin")
# After a speech's end, the speaker: "said Lomu", "sagte Leitl".
SAID = _words("said says added sagte sagt meinte erklärte betonte")
# A speaker for a body: "a Home Office spokesman", "a Department for Education source".
SPEAKERS = _words("spokesman spokeswoman spokesperson source sources official officials")
# Around a company's name: "Xstrata's bid", "shares in Yukos", "WMC chairman".
COMPANY_AFTER = _words(
    """
    shares shareholders chairman chief executive spokesman spokeswoman bid offer
    stake takeover subsidiary Aktie Aktien Sprecher Sprecherin Vorstand Konzernchef
    """
)
COMPANY_BEFORE = _words("in of")
COMPANY_BEFORE_THAT = _words("shares stake bid interest investment")

# Acronyms that name no organisation (or name one only as a word of a longer name).
NOT_ACRONYMS = _words(
    """
    A I II III IV V VI OK TV PC CD CDs DVD DVDs GDP GNP CEO CFO COO MP MPs MEP MEPs
    AGM IPO VAT PR AM PM FM AIDS HIV SMS USB UK US USA EU UN RAM CPU GPS ID IT
    NB PS AD BC DNA WC LP EP OBE MBE CBE QC DJ DJs MC TB SUV SUVs HD PhD MBA
    BA MA BSc UFO FAQ Mr Mrs Ms Dr St PIN ATM GMT CET UTC PDF HTML URL WWW
    PKW LKW KFZ EDV AG GmbH KG SE SA NV BV Inc Ltd Plc PLC LLC Co Corp
    USD EUR GBP JPY CHF ATS DM FAQ NGO NGOs OECD TTIP CETA
    BIP MWSt USt FC AFC SC SK SV TSV EM WM KEY NOTE
    """
)

# Phrases that hold a name but name something else: a crude oil grade is no
# person and no state ("Brent Blend", "West Texas Intermediate").
NOT_NAMES = ("West Texas Intermediate", "Brent Blend", "Brent crude", "Brent Crude")
# A nationality adjective is no place: "British", "Austrian", "deutsche", "französischen".
DEMONYM = re.compile(r".*(?:ish|ian|ean|ese|ese|isch|ische|ischen|ischer|isches|ischem)")
# A German compound title is no ministry: "Verteidigungsminister", "Finanzministerin".
JOB_TITLE = re.compile(r".*(?:minister|ministerin|präsident|präsidentin|kanzler|kanzlerin)")
# Labels that open a line of names: a team's line-up and its replacements.
LINEUP_LABELS = _words(
    "Replacements Subs Substitutes Sub Not used Booked Sent off Goals Referee Att Attendance "
    "Tries Cons Pens Drop Ersatzbank Tore Gelb Rot Schiedsrichter"
)
