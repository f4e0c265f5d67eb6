"""Durations in words: seconds as a person reads them ("45 s", "12 min", "1 h 5 min").

A build's time left and a finished build's time, in the terminal's bar, a
job's words and the editor's page.
"""

from __future__ import annotations


def duration(seconds: float) -> str:
    """Seconds as a person reads them: "45 s", "12 min", "1 h 5 min".

    Never "0 s": a time left is shown only while something is left.
    """
    if seconds < 59.5:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
