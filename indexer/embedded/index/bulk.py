"""Writing a Whoosh segment in bulk: documents inverted in memory, postings written by blocks.

Whoosh's own writer indexes a document by turning every posting into a
tuple `(field, term, docnum, weight, encoded value)`, pickling it into a
sorting pool, sorting the pool, and handing the postings one at a time to
its codec's field writer. On a build that was most of the cost. Here a
segment's postings are gathered in memory, per field and term, as flat
integer arrays (document, frequency, positions...), and written sorted,
through the same codec (`whoosh.codec.whoosh3`), a whole block of 128
postings per call. Stored fields, field lengths and columns still go through
Whoosh's per-document writer, document by document, as Whoosh writes them.

The result is the segment Whoosh's writer would have written: the same
terms, postings, weights, values, lengths, stored fields and columns
(`tests/test_bulk.py` compares the two on real articles), so Whoosh's own
searcher reads it and the search core's engine reads it as before.

Memory: a posting costs (2 + frequency) * 4 bytes while the segment is
open. The caller finishes a segment and starts another when
`estimated_bytes` passes its budget, so a build's memory stays bounded
whatever the size of the corpus.

It uses private parts of Whoosh 2.7.4's `SegmentWriter` and
`W3PostingsWriter` (their block buffers and `_write_block`); Whoosh is
pinned at its last release, so they do not move.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from typing import Any

from whoosh import formats
from whoosh.fields import FieldType
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.embedded.index.analysis import FOLD_MAP, WORD_PATTERN, NewsAnalyzer
from indexer.embedded.index.positions import encode_positions, single_position

# Postings per block: whoosh3's default `blocklimit`, which its readers expect.
BLOCK = 128
# What a distinct term costs in memory beyond its postings (dict slot, key, array header).
TERM_BYTES = 160
_WORDS = re.compile(WORD_PATTERN)
_EMPTY = b""
# Distinct words of one analyzer remembered with their terms; a news archive's vocabulary fits.
_WORD_CACHE = 1_000_000


class _Terms:
    """The analysis of words, cached per word: (folded word, indexed term)."""

    def __init__(self, analyzer: NewsAnalyzer) -> None:
        self._analyzer = analyzer
        self.known: dict[str, tuple[str, str]] = {}

    def of(self, word: str) -> tuple[str, str]:
        known = self.known.get(word)
        if known is None:
            folded = word.lower()
            if not folded.isascii():
                folded = folded.translate(FOLD_MAP)
            # The analyzer's own stemming (and its stop words), so the terms are its terms.
            term = self._analyzer.index_term(folded)
            known = (folded, term)
            if len(self.known) >= _WORD_CACHE:
                self.known.clear()
            self.known[word] = known
        return known


class SegmentBuilder:
    """One new segment of an index, filled with `add` and written by `finish`.

    `writer` is a Whoosh `SegmentWriter` opened without the index's lock (the
    caller holds it); only its per-document writer, field writer and new
    segment are used, never its sorting pool.
    """

    def __init__(self, writer: SegmentWriter) -> None:
        self._writer = writer
        self._schema = writer.schema
        self._perdoc = writer.perdocwriter
        self.docnum = 0
        # field -> term -> [doc, freq, (positions...)...] (term: str for prose, bytes otherwise)
        self._postings: dict[str, dict[Any, array[int]]] = {}
        # spelling field -> word -> number of documents with it
        self._spelling: dict[str, dict[str, int]] = {}
        # field -> one length byte per document (as Whoosh stores and reads them back)
        self._lengths: dict[str, bytearray] = {}
        self._ints = 0
        self._terms = 0
        self._words: dict[str, _Terms] = {}
        self._kinds: dict[str, str] = {}
        for name, field in self._schema.items():
            if field.indexed:
                self._kinds[name] = _kind(name, field)

    @property
    def estimated_bytes(self) -> int:
        """What the segment's postings hold in memory so far, roughly."""
        return self._ints * 4 + self._terms * TERM_BYTES

    def add(self, document: dict[str, Any]) -> None:
        """Add a document, given as Whoosh's `add_document` takes it (no `_boost` fields)."""
        docnum = self.docnum
        schema = self._schema
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        for name in sorted(document):
            value = document[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if self._kinds[name] == "prose":
                    length = self._add_prose(name, field, value, docnum)
                else:
                    length = self._add_terms(name, field, value, docnum)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.docnum += 1

    def _add_prose(self, name: str, field: FieldType, value: str, docnum: int) -> int:
        words = self._words.get(name)
        if words is None:
            words = self._words[name] = _Terms(field.analyzer)
        # The cache, read inline: this loop runs once per word of every article.
        known = words.known
        of = words.of
        analysed = [known.get(word) or of(word) for word in _WORDS.findall(value)]
        places: dict[str, list[int]] = {}
        for position, (_folded, term) in enumerate(analysed):
            found = places.get(term)
            if found is None:
                places[term] = [position]
            else:
                found.append(position)
        terms = self._field_postings(name)
        for term, found in places.items():
            postings = terms.get(term)
            if postings is None:
                postings = terms[term] = array("I")
                self._terms += 1
            postings.append(docnum)
            postings.append(len(found))
            postings.extend(found)
        length = len(analysed)
        self._ints += 2 * len(places) + length
        if field.scorable:
            self._length_bytes(name, docnum)[docnum] = length_to_byte(length)
        if field.separate_spelling():
            counts = self._spelling.setdefault(field.spelling_fieldname(name), {})
            for folded in {folded for folded, _term in analysed}:
                counts[folded] = counts.get(folded, 0) + 1
        return length

    def _add_terms(self, name: str, field: FieldType, value: Any, docnum: int) -> int:
        # Few terms a document (ids, keywords, dates): Whoosh's own analysis.
        terms = self._field_postings(name)
        length = 0
        added = 0
        for text, frequency, _weight, _value in field.index(value):
            postings = terms.get(text)
            if postings is None:
                postings = terms[text] = array("I")
                self._terms += 1
            postings.append(docnum)
            postings.append(frequency)
            length += frequency
            added += 2
        self._ints += added
        if not field.scorable:
            return 0
        self._length_bytes(name, docnum)[docnum] = length_to_byte(length)
        return length

    def _field_postings(self, name: str) -> dict[Any, array[int]]:
        terms = self._postings.get(name)
        if terms is None:
            terms = self._postings[name] = {}
        return terms

    def _length_bytes(self, name: str, docnum: int) -> bytearray:
        lengths = self._lengths.get(name)
        if lengths is None:
            lengths = self._lengths[name] = bytearray()
        if len(lengths) <= docnum:
            lengths.extend(bytes(docnum + 1 - len(lengths)))
        return lengths

    def finish(self) -> Any:
        """Write the postings and close the segment; the segment (None if empty)."""
        writer = self._writer
        if not self.docnum:
            writer.cancel()
            return None
        try:
            writer.perdocwriter.close()
            fieldwriter = writer.fieldwriter
            for name in sorted({*self._postings, *self._spelling}):
                if name in self._spelling:
                    self._write_spelling(fieldwriter, name)
                else:
                    self._write_field(fieldwriter, name)
            writer._close_segment()
        except BaseException:
            writer.cancel()
            raise
        writer.docnum = self.docnum
        writer._assemble_segment()
        # Not writer._finish(): its temporary folder (MAIN.tmp) is shared by every
        # worker's writer; the build's commit removes it.
        return writer.get_segment()

    def cancel(self) -> None:
        self._writer.cancel()

    def _write_field(self, fieldwriter: Any, name: str) -> None:
        field = self._schema[name]
        fieldwriter.start_field(name, field)
        terms = self._postings.pop(name)
        lengths = self._lengths.get(name)
        kind = self._kinds[name]
        boost = field.format.field_boost
        prose = kind == "prose"
        for term in sorted(terms):
            fieldwriter.start_term(term.encode("utf-8") if prose else term)
            flat = terms[term]
            ids: list[int] = []
            weights: list[float] = []
            values: list[bytes] = []
            at = 0
            end = len(flat)
            while at < end:
                doc = flat[at]
                frequency = flat[at + 1]
                ids.append(doc)
                if kind == "existence":
                    weights.append(boost)
                    at += 2
                elif kind == "frequency":
                    weights.append(frequency * boost)
                    values.append(pack_uint(frequency))
                    at += 2
                else:
                    weights.append(frequency * boost)
                    if frequency == 1:
                        values.append(single_position(flat[at + 2]))
                    else:
                        values.append(encode_positions(flat[at + 2 : at + 2 + frequency].tolist()))
                    at += 2 + frequency
            _write_postings(fieldwriter, ids, weights, values, lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()

    def _write_spelling(self, fieldwriter: Any, name: str) -> None:
        # As Whoosh writes a spelling-only field: a posting for document 0 per
        # document with the word (its document frequency is what is read).
        field = self._schema[name]
        fieldwriter.start_field(name, field)
        # Existence (our schema) keeps no values; Whoosh's own SpellField a frequency.
        value = b"" if field.format.fixed_value_size() == 0 else pack_uint(1)
        counts = self._spelling.pop(name)
        for word in sorted(counts):
            fieldwriter.start_term(word.encode("utf-8"))
            count = counts[word]
            _write_postings(
                fieldwriter, [0] * count, [1.0] * count, [value] * count if value else [], None
            )
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _kind(name: str, field: FieldType) -> str:
    """How a field's postings are kept: its format, which must be one this module writes."""
    fmt = field.format
    if isinstance(fmt, formats.Characters) or not isinstance(
        fmt, formats.Existence | formats.Frequency | formats.Positions
    ):
        raise TypeError(f"field {name!r}: the bulk writer cannot write {type(fmt).__name__}")
    if isinstance(fmt, formats.Positions):
        if not isinstance(field.analyzer, NewsAnalyzer):
            raise TypeError(f"field {name!r}: positions need the news analyzer")
        return "prose"
    return "existence" if isinstance(fmt, formats.Existence) else "frequency"


_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


def _write_postings(
    fieldwriter: Any,
    ids: list[int],
    weights: list[float],
    values: list[bytes],
    lengths: bytearray | None,
) -> None:
    """A term's postings, a block at a time, as `W3PostingsWriter.add_posting` would buffer them."""
    postwriter = fieldwriter._postwriter
    count = len(ids)
    length_of: Callable[[int], int] = (
        (lambda doc: _LENGTH_OF_BYTE[lengths[doc]] if doc < len(lengths) else 0)
        if lengths is not None
        else (lambda doc: 0)
    )
    for start in range(0, count, BLOCK):
        stop = min(start + BLOCK, count)
        block_ids = ids[start:stop]
        block_weights = weights[start:stop]
        postwriter._ids = array("I", block_ids)
        postwriter._weights = array("f", block_weights)
        postwriter._values = values[start:stop] if values else []
        # Whoosh's block statistics: lengths of zero are not counted.
        block_lengths = [n for n in map(length_of, block_ids) if n]
        postwriter._minlength = min(block_lengths) if block_lengths else None
        postwriter._maxlength = max(block_lengths) if block_lengths else 0
        postwriter._maxweight = max(0, max(block_weights))
        postwriter._write_block(last=stop == count)


class Additions:
    """New documents of an update, written in bulk as one segment of the update's commit.

    Whoosh's writer (`writer`) still deletes what the update replaces and
    commits; the new documents go into a segment of their own instead of
    through its document-by-document pool, and `attach` lists that segment
    with the writer's, after every deletion. `add_document` takes what
    Whoosh's `add_document` takes.
    """

    def __init__(self, ix: Any, writer: Any) -> None:
        self._ix = ix
        self._writer = writer
        self._builder: SegmentBuilder | None = None

    def add_document(self, **document: Any) -> None:
        if self._builder is None:
            # _lk=False: `writer` holds the index's lock.
            self._builder = SegmentBuilder(SegmentWriter(self._ix, _lk=False))
        self._builder.add(document)

    def attach(self) -> None:
        """Write the segment and have the writer's commit list it (nothing when none was added)."""
        builder, self._builder = self._builder, None
        if builder is not None:
            segment = builder.finish()
            if segment is not None:
                self._writer.segments.append(segment)

    def cancel(self) -> None:
        builder, self._builder = self._builder, None
        if builder is not None:
            builder.cancel()
