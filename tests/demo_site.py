"""The demo archive plus hostile articles, indexed in a temporary folder: the pages' test site.

The HTML tests (TestClient) and the browser tests use the same site: the
demo corpus as shipped, and two articles whose text is markup, to check that
every page shows it as text.
"""

from __future__ import annotations

import json
from pathlib import Path

from demo_corpus import copy_demo_corpus

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings

XSS_TITLE = "<img src=x onerror=alert(1)>"
XSS_QUERY = '"><script>alert(1)</script>'
HOSTILE = [
    {
        "id": "hostile-title",
        "title": XSS_TITLE,
        "lead": "<script>alert(2)</script> A lead that is markup.",
        "body": "Zanzibarian escaping test.\n\n<b onmouseover=alert(3)>bold</b> & more.",
        "published": "2018-05-04 10:00",
        "section": "Tests > <i>Markup</i>",
        "source": "<em>Evil</em> Wire",
        "language": "en",
        "entities": {"person": ["<svg onload=alert(4)>"], "place": ["Zanzibar"]},
    },
    {
        "id": "hostile-second",
        "title": "Second Zanzibarian note about \"quotes\" and 'apostrophes'",
        "body": "Zanzibarian text with </p><script>alert(5)</script> inside.",
        "published": "2018-05-05 10:00",
        "section": "Tests",
        "language": "en",
        "entities": {"person": ["<svg onload=alert(4)>"], "place": ["Zanzibar"]},
    },
]


def build_demo_site(folder: Path) -> Settings:
    """Copy the demo articles and the hostile ones into `folder`, index them, give settings."""
    corpus = copy_demo_corpus(folder / "corpus")
    (corpus / "zz-hostile.jsonl").write_text(
        "".join(json.dumps(a) + "\n" for a in HOSTILE), encoding="utf-8"
    )
    index = folder / "index"
    update_index(IndexLocation(index), corpus)
    return Settings(index=index, corpus=corpus)
