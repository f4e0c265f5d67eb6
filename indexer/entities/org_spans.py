"""Where an organisation's name written by rule starts and ends, as a reader writes it.

The organisation rule takes a run of capitalised words up to a head word
(``Studios``, ``Committee``, ``Ltd``); its edges can carry words that are not
the name: an owner's possessive (``Surrey's Lionhead Studios``, ``the Bank's
Monetary Policy Committee``), a location adjective (``US-based Massachusetts
Institute of Technology``), the last item of a list joined by ``and``
(``Privatbank, Savings Bank of Ukraine und Ukreximbank``). A company form's
abbreviation keeps its period (``Cyanogen Inc.``), as the name is written.
A lone ``Galway-based`` is no name at all.
"""

from __future__ import annotations

import re

# The company forms written as abbreviations: "Inc." keeps its period.
_ABBREVIATED_FORMS = frozenset({"Inc", "Ltd", "Corp", "Co", "Bros", "Plc", "Ges", "Gmbh"})
# An owner's possessive or a location adjective before the name: the name starts after it.
_LEAD = re.compile(r".*(?:['’]s|-based)\s+", re.S)
# "and" in a name written as a list's last item: the name ends before it.
_LIST_AND = re.compile(r"\s+(?:and|und)\s+")


def organisation_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the organisation written at text[start:end], or None if it names none."""
    written = text[start:end]
    if written.endswith("-based"):
        return None
    lead = _LEAD.match(written)
    # A saint's possessive is the name's own: "St Egwin's Middle School".
    saint = written.startswith(("St ", "St. ", "Saint ", "Sankt "))
    if lead is not None and lead.end() < len(written) and not saint:
        start += lead.end()
        written = text[start:end]
    if text[max(0, start - 2) : start] == ", ":
        joined = _LIST_AND.search(written)
        if joined is not None:
            end = start + joined.start()
            written = text[start:end]
    last = written.rsplit(None, 1)[-1] if written.strip() else ""
    if last in _ABBREVIATED_FORMS and text[end : end + 1] == ".":
        end += 1
    return start, end
