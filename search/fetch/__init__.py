"""``morgue fetch``: following news feeds into the archive, politely, every answer kept in web
archive files (``crawl`` makes one pass; ``client`` asks; ``state`` remembers)."""
