"""The embedded backend: the archive as Whoosh files and numpy arrays on this machine.

`backend.py` implements `indexer.archive.backend.Backend`; `index/` builds and
stores the index (schema, analysis, generations, segments), `search/`
answers from it (the query parser, the array engine, facets, highlighting,
suggestions), `writer.py` with `edits.py` and `owners.py` is the server's one
writer. The only package that imports Whoosh. May import every package of
`indexer` below it (archive, editing, entities, ingest, system).
"""
