"""The hostile input corpus: payloads, articles made of them, and a check that HTML stayed inert.

Payloads are markup that would run script, load something or change the page
if it reached the HTML unescaped; template syntax that would be evaluated if
article text reached a template as code; and characters that end an HTML or
XML context. `inert_problems` parses a page and lists every element or
attribute that did not come from our own templates.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from indexer.ingest.article import make_article

PAYLOADS = (
    '<script>alert("s1")</script>',
    '"><img src=x onerror=alert("s2")>',
    "'><svg/onload=alert('s3')>",
    "</title></textarea></mark><script>alert('s4')</script>",
    '<a href="javascript:alert(5)">click</a>',
    "javascript:alert(6)",
    "<iframe srcdoc='<script>alert(7)</script>'></iframe>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="https://evil.example/">',
    "<style>body{display:none}</style>",
    "<vx-evil data-x=1>custom</vx-evil>",
    "<!-- ]]> <![CDATA[ x ]]> -->",
    "{{7*7}} {% raw %} ${7*7} <%= 7*7 %> #{7*7}",
    "&lt;b&gt;double-escaped&lt;/b&gt; &amp; &#x3C;script&#x3E;",
    "\u202eevil\u202c \u2028 \u2029 \ufeff zero\u200bwidth",
)
# Few enough to send each to every parameter of every page.
QUERY_PAYLOADS = (*PAYLOADS[:6], PAYLOADS[12])
SSTI = "{{7*7}}"

# Every element our templates write; anything else in a page came from data.
_TAGS = """a article aside body br button caption code dd details div dl dt footer form h1 h2 h3
    head header html input label li link main mark meta nav ol option p pre progress script
    section select small span strong summary table tbody td textarea th thead time title
    tr ul"""
OUR_TAGS = frozenset(_TAGS.split())
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "srcdoc", "data")


def canonical_title(article: dict[str, Any]) -> str:
    """The title as the archive keeps it (line separators and such are cleaned away)."""
    return make_article(article).title


def hostile_articles() -> list[dict[str, Any]]:
    """One article per payload, the payload in every text field it may take."""
    articles = []
    for n, payload in enumerate(PAYLOADS):
        articles.append(
            {
                "id": f"hostile-{n}",
                "title": f"Zanzibarian {payload} title {n}",
                "lead": f"Lead {payload} zanzibarian",
                "body": f"Body {payload} zanzibarian.\n\nSecond {payload} paragraph.",
                "published": f"2019-03-{n + 1:02d} 10:00",
                "updated": f"2019-03-{n + 1:02d} 12:00",
                "section": f"Hostile > {payload}",
                "source": f"Source {payload}",
                "authors": [f"Author {payload}"],
                "dateline": f"VIENNA {payload}",
                "language": "en",
                "tags": [f"tag {payload}"],
                "url": payload if payload.startswith("javascript") else "https://example.org/a",
                "image_caption": f"Caption {payload}",
                "entities": {
                    "person": [f"Person {payload}"],
                    "organization": [f"Org {payload}"],
                    "place": [f"Place {payload}"],
                },
            }
        )
    return articles


def inert_problems(html: str, *, allowed: frozenset[str] = OUR_TAGS) -> list[str]:
    """Elements and attributes in `html` that would render, run or load something of the data."""
    problems = []
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        name = element.name
        if name not in allowed:
            problems.append(f"element <{name}>")
        for attribute, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if attribute.lower().startswith("on"):
                problems.append(f"<{name} {attribute}=...>")
            if attribute in URL_ATTRIBUTES and text.strip().lower().startswith(
                ("javascript:", "data:text/html", "vbscript:")
            ):
                problems.append(f"<{name} {attribute}={text!r}>")
        if name == "script" and (element.string or "").strip():
            problems.append(f"inline script {element.string!r:.60}")
        source = urlsplit(str(element.get("src", "")))
        if name == "script" and not (
            source.path.startswith("/static/") and source.netloc in ("", "testserver")
        ):
            problems.append(f"script from {element.get('src')!r}")
        if name == "meta" and element.get("http-equiv"):
            problems.append(f"<meta http-equiv={element.get('http-equiv')!r}>")
    return problems
