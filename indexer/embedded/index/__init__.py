"""Building and storing the embedded index: schema, analysis, generations, segments, builds.

May import `indexer.archive` and below; never `indexer.embedded.search`.
"""
