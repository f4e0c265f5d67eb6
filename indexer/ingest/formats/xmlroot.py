"""XML documents, parsed safely: the root element's name, and whole trees.

Corpus files come from outside, so XML is parsed with defusedxml: a document
that declares entities (the "billion laughs" bomb) or refers to external ones
is refused, and nothing is ever fetched over the network. A `DOCTYPE` naming an
external DTD, as NITF files usually carry, is allowed; the DTD is not read, and
the HTML character entities it would define (`&nbsp;`) are known anyway.

`root_name` tells `.xml` files apart (RSS, Atom or NITF) by reading only as far
as the root element.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from html.entities import entitydefs
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser

from indexer.ingest.errors import CorpusError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def local_name(tag: str) -> str:
    """`{http://www.w3.org/2005/Atom}feed` -> `feed`."""
    return tag.rpartition("}")[2]


class _RootFound(Exception):
    """Raised by `_RootTarget` to stop parsing at the root element."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


class _RootTarget:
    """A tree-builder target that only wants the root element's name."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootFound(tag)


def _parser(target: object = None) -> DefusedXMLParser:
    parser = DefusedXMLParser(
        target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    # Consulted by expat only for entities a DOCTYPE's unread external DTD would define.
    parser.entity.update(entitydefs)
    return parser


def root_name(data: bytes, path: Path) -> str:
    """The local name of the document's root element (`rss`, `feed`, `RDF`, `nitf`)."""
    parser = _parser(_RootTarget())
    try:
        with _reading(path):
            parser.feed(data)
            parser.close()
    except _RootFound as found:
        return local_name(found.tag)
    raise CorpusError("not XML: no root element", path=path)


def refuse_unsafe(data: bytes, path: Path) -> None:
    """Refuse entity declarations and external references before the root element.

    For parsers other than ours (feedparser): their own guard against an
    entity bomb is a pattern that a declaration on the DOCTYPE's line slips
    past, leaving only expat's amplification limit, after a second or so. XML
    that is not well formed is left to that parser, which may read it anyway.
    """
    parser = _parser(_RootTarget())
    try:
        parser.feed(data)
        parser.close()
    except (_RootFound, ParseError):
        return
    except DefusedXmlException as exc:
        raise _unsafe_error(exc, path) from exc
    except (LookupError, ValueError) as exc:
        raise _encoding_error(exc, path) from exc


def parse_xml(data: bytes, path: Path) -> Element:
    """The document's root element, with namespaces stripped from element names.

    Attribute names keep their namespace (`xml:lang` is `XML_LANG`).
    """
    # The C tree builder: defusedxml's default builds pure-Python elements, whose
    # `iter()` and `find()` recurse once per level and fail on deep nesting.
    parser = _parser(TreeBuilder())
    with _reading(path):
        parser.feed(data)
        root: Element = parser.close()
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = local_name(element.tag)
    return root


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Parser errors as the CorpusError that names what is wrong with the file."""
    try:
        yield
    except ParseError as exc:
        raise _parse_error(exc, path) from exc
    except DefusedXmlException as exc:
        raise _unsafe_error(exc, path) from exc
    except (LookupError, ValueError) as exc:
        raise _encoding_error(exc, path) from exc


def _parse_error(exc: ParseError, path: Path) -> CorpusError:
    line, column = exc.position
    return CorpusError(
        f"not well-formed XML: {ErrorString(exc.code)} (column {column + 1})",
        path=path,
        line=line,
    )


def _encoding_error(exc: LookupError | ValueError, path: Path) -> CorpusError:
    """expat asks Python's codecs for an encoding it does not know itself (`encoding="TTF-8"`)."""
    # LookupError: "unknown encoding: TTF-8"; ValueError: a NUL in the name.
    return CorpusError(
        f"the XML declaration names an encoding that cannot be used ({exc})", path=path, line=1
    )


def _unsafe_error(exc: DefusedXmlException, path: Path) -> CorpusError:
    if isinstance(exc, EntitiesForbidden):
        reason = f"XML entity declarations are not allowed (entity {exc.name!r})"
    else:
        reason = "XML references to external entities or DTDs are not allowed"
    return CorpusError(reason, path=path)
