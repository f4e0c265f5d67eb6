"""The people, organisations and places articles name: the gazetteer and the extractor.

The gazetteer (names and aliases), the word lists of the name rules, the
extractor and the enrichment that adds an article's entities before it is
indexed (SPEC §5). May import `indexer.ingest` and `indexer.system`.
"""
