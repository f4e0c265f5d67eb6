"""Answering from the embedded index: query parsing, the array engine, facets, highlights.

The search core (`core.py`) and what it is made of. May import
`indexer.embedded.index`, `indexer.archive` and below.
"""
