"""The archive's contract: the search request, the typed results, the backend protocol.

What every surface (web app, CLI, scripts) and every backend agree on: the
request model (`request.py`), the results (`results.py`), what a build reports
(`builds.py`), the errors of an archive that cannot answer (`errors.py`) and
the `Backend` protocol (`backend.py`). Pure: no index, no Whoosh, no I/O. May
import `indexer.editing`, `indexer.entities`, `indexer.ingest` and
`indexer.system`.
"""
