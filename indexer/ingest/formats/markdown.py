"""Markdown articles: YAML front matter with the fields, then the body in Markdown.

```
---
title: Security Review Conference Convened by OSCE Chairpersonship
published: 2023-07-04 23:31:00+02:00
section: Organizations > International Organizations
tags: [OSCE, security]
---
The OSCE Chairpersonship organized the *Security Review Conference* ...
```

The front matter uses the field names of SPEC §3 (`date` is accepted for
`published`, as static-site generators write it); YAML dates and datetimes are
taken as they are. The body is reduced to plain-text paragraphs with
markdown-it-py: the text of links and emphasis is kept and the markup dropped;
headings, list items and quoted paragraphs become paragraphs of their own;
images are left out.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import Record, decode_text
from indexer.ingest.formats.html import paragraphs_of_html

_FENCE = "---"
_ENDS = ("---", "...")

_markdown = MarkdownIt("commonmark")
# PyYAML's scanner takes time quadratic in the depth of `[`/`{` nesting (seconds
# at a thousand levels) before its parser runs out of stack; front matter
# needs two or three.
MAX_FLOW_NESTING = 50
# PyYAML's pure-Python reader takes about 4 s a megabyte (1.7 MB of tags: 8 s);
# fields of one article fit in a few kilobytes, and the body follows the front matter.
MAX_FRONT_MATTER = 256 * 1024


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases, its two value constructors that can fail made gentle.

    An alias (`*a`, and so a merge key `<<: *a`) is refused where it is read:
    each repeats a whole value, so ten lines of aliases of aliases are a list
    of ten million items (an "alias bomb": 391 bytes took 10 s and 1 GB), and
    fields of one article have no use for them. A timestamp that YAML's
    pattern matches but that is no real time (`2023-02-30`, an offset of
    `+99:00`) stays text, so that `make_article` names the field and the
    value; an integer too long for Python to convert is a YAML error with its
    line.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.current_event  # the alias just checked
            raise yaml.composer.ComposerError(
                None,
                None,
                f"an alias (*{event.anchor}) is not accepted; write the value out",
                event.start_mark,
            )
        node: yaml.Node | None = super().compose_node(parent, index)
        return node


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


def _integer(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_int(node)
    except ValueError as exc:
        limit = sys.get_int_max_str_digits()
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of more than {limit} digits", node.start_mark
        ) from exc


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_FrontMatterLoader.add_constructor("tag:yaml.org,2002:int", _integer)


def read(data: bytes, path: Path) -> Iterator[Record]:
    text = decode_text(data, path)
    fields, content = _front_matter(text, path)
    record: dict[str, Any] = dict(fields)
    if "published" not in record and "date" in record:
        record["published"] = record.pop("date")
    body = markdown_paragraphs(content)
    if body or "body" not in record:
        record["body"] = body
    yield Record(record)


def _front_matter(text: str, path: Path) -> tuple[dict[Any, Any], str]:
    """The front matter's fields and the Markdown after it."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != _FENCE:
        raise CorpusError(
            "no YAML front matter (the file must begin with a '---' line)", path=path, line=1
        )
    end = next((n for n in range(1, len(lines)) if lines[n].rstrip() in _ENDS), None)
    if end is None:
        raise CorpusError(
            "YAML front matter is not closed (no '---' line after it)", path=path, line=1
        )
    source = "\n".join(lines[1:end])
    if len(source) > MAX_FRONT_MATTER:
        raise CorpusError(
            f"YAML front matter of {len(source) // 1024:,} KB; at most "
            f"{MAX_FRONT_MATTER // 1024} KB (the body goes after the front matter)",
            path=path,
            line=2,
        )
    if _flow_depth(source) > MAX_FLOW_NESTING:
        raise CorpusError(
            f"invalid YAML front matter: [lists] or {{mappings}} nested more than "
            f"{MAX_FLOW_NESTING} levels deep",
            path=path,
            line=2,
        )
    try:
        fields = yaml.load(source, Loader=_FrontMatterLoader)
    except RecursionError as exc:
        # PyYAML recurses per level of nesting: `[[[[...` a few hundred deep.
        raise CorpusError(
            "invalid YAML front matter: lists or mappings nested too deeply", path=path, line=2
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not YAML"
        raise CorpusError(
            f"invalid YAML front matter: {problem}",
            path=path,
            # The mark counts from 0 within the front matter, which begins on line 2.
            line=mark.line + 2 if mark is not None else None,
        ) from exc
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise CorpusError(
            "YAML front matter must be fields like 'title: ...', not a list or a value",
            path=path,
            line=2,
        )
    return fields, "\n".join(lines[end + 1 :])


def _flow_depth(text: str) -> int:
    """How deep `[` and `{` nest, brackets in quoted text counted too: an upper bound."""
    if text.count("[") + text.count("{") <= MAX_FLOW_NESTING:
        return 0
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def markdown_paragraphs(content: str) -> list[str]:
    """Plain-text paragraphs of a Markdown document."""
    paragraphs: list[str] = []
    for token in _markdown.parse(content):
        if token.type == "inline":
            text = _inline_text(token)
        elif token.type in ("code_block", "fence"):
            text = token.content
        elif token.type == "html_block":
            paragraphs.extend(paragraphs_of_html(token.content))
            continue
        else:
            continue
        text = " ".join(text.split())
        if text:
            paragraphs.append(text)
    return paragraphs


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        # Images, raw inline HTML and the open/close markup tokens carry no prose.
    return "".join(parts)
