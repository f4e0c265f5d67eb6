"""The OpenSearch backend: the same archive served from an OpenSearch cluster.

For a newsroom whose archive or readership outgrows one machine
(`docs/scale.md`). The same readers and entity extractor run in Vindex; the
articles go to the cluster with the bulk API (`bulk.py`) into versioned
indexes behind an alias (`aliases.py`, `template.py`), and every
`SearchRequest` is translated into the query DSL as a bool tree
(`query.py`, `aggregations.py`, `highlights.py`, `suggestions.py`,
`related.py`, `export.py`). `backend.py` puts them together as a `Backend`.

Sits beside `indexer.embedded` (neither imports the other) and is the only
package that imports `opensearchpy`. Chosen with `VINDEX_BACKEND=opensearch`.
"""
