"""A reader's query quoted inside a sentence, without doubling its own quotes.

Headings say what was searched: `Results for “skopje”`. A query may carry
its own straight quotes (an exact phrase), and wrapping those in another pair
reads as a stutter: `Results for “"Ministerial Council"”`. So:

- a query that is exactly one quoted phrase keeps one pair: its own quotes
  become the sentence's (`“Ministerial Council”`);
- any other query is quoted whole, and its own quotes become the inner kind,
  as English nests quotations: double outside, single inside
  (`“‘dlrs debt’ OR opec”`; in plain text `"'dlrs debt' OR opec"`). Quotes
  pair from the left; a lone last one (an unclosed phrase) opens.

Pages use typographic marks; plain text (the JSON description, the CLI, feed
titles) uses ASCII ones, so it stays easy to copy into a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marks:
    """The outer pair and the inner (nested) pair of quotation marks."""

    open: str
    close: str
    inner_open: str
    inner_close: str


TYPOGRAPHIC = Marks("“", "”", "‘", "’")
PLAIN = Marks('"', '"', "'", "'")


def is_one_phrase(q: str) -> bool:
    """True when the whole query is one quoted phrase: `"ministerial council"`."""
    return len(q) >= 2 and q[0] == '"' and q[-1] == '"' and '"' not in q[1:-1]


def quote_query(q: str, marks: Marks = TYPOGRAPHIC) -> str:
    """`q` between quotation marks, its own quotes not doubled (see the module's rules)."""
    if is_one_phrase(q):
        return f"{marks.open}{q[1:-1]}{marks.close}"
    parts = q.split('"')
    nested = [parts[0]]
    for index, part in enumerate(parts[1:]):
        # Even-numbered quotes open a phrase, odd-numbered ones close it.
        nested.append(marks.inner_open if index % 2 == 0 else marks.inner_close)
        nested.append(part)
    return f"{marks.open}{''.join(nested)}{marks.close}"
