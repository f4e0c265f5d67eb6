"""The web app: HTML pages, the JSON API and the editor's desk over an archive's backend.

HTTP and HTML only: every answer comes from `indexer.archive.backend.Backend`
(opened by `indexer.archives.open_backend`); no module here imports the
embedded backend. `cli.py` is the installed `vindex` command (the library's
commands plus `serve`).
"""
