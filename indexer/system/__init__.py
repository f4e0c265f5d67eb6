"""What every part stands on: processes by identity, atomic files, logging.

Owns nothing of news: no article, no index. May import only the standard
library and `indexer.settings`.
"""
