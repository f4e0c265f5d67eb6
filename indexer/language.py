"""Language of an article: given by the publisher, or detected from its text.

py3langid is a small offline classifier (no model download); its answer is
deterministic, so the same article always gets the same language.
"""

from __future__ import annotations

import re

import py3langid

_CODE = re.compile(r"^[a-z]{2,3}$")

# Enough text to classify reliably; more only costs time.
_SAMPLE_CHARS = 2000


def normalise_language(value: str) -> str:
    """`EN`, `en-US`, `en_GB` -> `en`; raises ValueError for anything else."""
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    if not _CODE.match(code):
        raise ValueError(f"not a language code: {value[:20]!r}")
    return code


# Restricting the candidates to the languages a European news archive meets
# keeps short texts from being taken for rare languages (a headline alone was
# classified as Nigerian Pidgin).
LANGUAGES = (
    "en",
    "de",
    "fr",
    "it",
    "es",
    "pt",
    "nl",
    "pl",
    "cs",
    "sk",
    "sl",
    "hr",
    "sr",
    "bs",
    "hu",
    "ro",
    "bg",
    "ru",
    "uk",
    "el",
    "tr",
    "sv",
    "da",
    "no",
    "fi",
    "et",
    "lv",
    "lt",
    "sq",
    "mk",
    "ar",
)
_ready = False


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language."""
    global _ready
    if not _ready:
        py3langid.set_languages(list(LANGUAGES))
        _ready = True
    code, _score = py3langid.classify(text[:_SAMPLE_CHARS])
    return str(code)
