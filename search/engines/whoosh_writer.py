"""Whoosh's writer with the semantics of the engine seam.

Whoosh cannot delete or replace a document it has buffered but not committed: an update or a
delete of an id written earlier in the same writer would leave both versions. So writes are kept
per id and handed to Whoosh at commit, the last one for each id winning (the indexer bounds a batch
in articles and in bytes). The bulk writer of a first build streams instead, for its two processes
to overlap with parsing; there every id must be new and written once.
"""

from __future__ import annotations

import os
import signal
import threading
from datetime import datetime, timezone

from whoosh import index as whoosh_index

from search.engines.whoosh_schema import document_fields
from search.errors import IndexLockedError
from search.types import EngineWriter, IndexDocument

LOCK_TIMEOUT_SECONDS = 3.0


def _children_ignore_interrupts(writer) -> None:
    """Ctrl-C reaches the whole process group, and each of Whoosh's writer processes printed a
    traceback of its own. They now start with SIGINT ignored: the parent alone is interrupted,
    and its cancel stops them. (Signals can be set only in the main thread.)"""
    start = getattr(writer, "_new_task", None)
    if start is None or threading.current_thread() is not threading.main_thread():
        return

    def new_task():
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return start()
        finally:
            signal.signal(signal.SIGINT, previous)

    writer._new_task = new_task


class WhooshWriter(EngineWriter):
    def __init__(self, ix, bulk: bool) -> None:
        self._indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._bulk = bulk and (os.cpu_count() or 1) > 1
        self._ops: dict[str, tuple[str, IndexDocument | None]] = {}
        self._streamed: set[str] = set()
        try:
            if self._bulk:
                self._writer = ix.writer(procs=2, multisegment=True, limitmb=128)
                _children_ignore_interrupts(self._writer)
            else:
                self._writer = ix.writer(timeout=LOCK_TIMEOUT_SECONDS, limitmb=128)
        except whoosh_index.LockError:
            raise IndexLockedError(str(ix.storage.folder)) from None

    def add(self, document: IndexDocument) -> None:
        article_id = document.article.id
        if self._bulk:
            if article_id in self._streamed:
                raise ValueError(f"id {article_id!r} written twice in one bulk write")
            self._streamed.add(article_id)
            self._writer.add_document(**document_fields(document, self._indexed_at))
            return
        earlier = self._ops.get(article_id)
        kind = "add" if earlier is None or earlier[0] == "add" else "update"
        self._ops[article_id] = (kind, document)

    def update(self, document: IndexDocument) -> None:
        if self._bulk:
            raise ValueError("the bulk writer only adds new articles")
        self._ops[document.article.id] = ("update", document)

    def delete(self, article_id: str) -> None:
        if self._bulk:
            raise ValueError("the bulk writer only adds new articles")
        earlier = self._ops.get(article_id)
        if earlier is not None and earlier[0] == "add":
            del self._ops[article_id]  # never committed: nothing to delete
        else:
            self._ops[article_id] = ("delete", None)

    def commit(self) -> None:
        writer = self._writer
        for article_id, (kind, document) in self._ops.items():
            if kind == "add":
                writer.add_document(**document_fields(document, self._indexed_at))
            elif kind == "update":
                writer.update_document(**document_fields(document, self._indexed_at))
            else:
                writer.delete_by_term("id", article_id)
        self._ops.clear()
        writer.commit()

    def cancel(self) -> None:
        """Abandon the writes. A bulk writer's processes are stopped first (they hold only this
        run's unfinished work): left running, they would go on with files being deleted. Their
        queues are let go too, or the interpreter's exit would wait on them."""
        self._ops.clear()
        tasks = list(getattr(self._writer, "tasks", ()))
        for task in tasks:
            if task.is_alive():
                task.terminate()
        for task in tasks:
            task.join(timeout=10)
        for name in ("jobqueue", "resultqueue"):  # nobody reads them now: at exit, Python would
            queue = getattr(self._writer, name, None)  # wait on their feeder threads for ever
            if queue is not None:
                queue.cancel_join_thread()
                queue.close()
        self._writer.cancel()
