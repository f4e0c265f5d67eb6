"""Changing the corpus safely: uploads, the trash, write jobs and their outcomes.

What an editor sends becomes files in `corpus/uploads/`; what is removed or
replaced is kept in `corpus/.trash/`; a write's jobs are recorded on disk for
every worker process. Backend-neutral: the corpus folder is the source of
truth whatever indexes it. May import `indexer.ingest`, `indexer.entities`
and `indexer.system`.
"""
