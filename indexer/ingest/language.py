"""Language of an article: given by the publisher, or detected from its text.

py3langid is a small offline classifier (no model download); its answer is
deterministic, so the same article always gets the same language. Its one
model is global and not thread-safe: `set_languages` rebuilds it in place, so a
thread classifying meanwhile got a broadcast error (a 500 on an upload) or a
wrong language ("lv" for an English sentence). The server parses uploads in
worker threads, so every use goes through one lock.
"""

from __future__ import annotations

import re
import threading

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
_model = threading.Lock()


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language."""
    global _ready
    sample = text[:_SAMPLE_CHARS]
    with _model:
        if not _ready:
            py3langid.set_languages(list(LANGUAGES))
            _ready = True
        code, _score = py3langid.classify(sample)
    return str(code)
