"""Turning a record into what the writer needs, in this process or in worker processes.

Most of a build's time is spent on pure functions of one record: normalising it into an
``Article``, analysing its text into index terms (the Snowball stemmer), counting its words as
written (the vocabulary) and fingerprinting it (copies and stories). ``Preparer`` can run them
in a pool of worker processes (``morgue reindex --workers N``).

It is not the default because it does not pay on two cores: measured on Reuters-21578
(RESULTS.md), a build with two workers takes as long as one in a single process. What stays in
the writing process -- reading, the engine's own documents and commits, counting the written
words, grouping stories after the write -- is about as long as everything on one core, and the
pool adds the cost of sending every article and its terms back. It may pay with many cores and
records that are costly to normalise; measure with ``benchmarks/run.py --workers``.

Reading stays in the calling process: it knows which records are unchanged since the last run
(and never sends those), and where each comes from. Records go out in chunks and come back in
the order they were read, so ids, duplicates and "first read wins" are exactly those of a build
in one process. Only a few chunks are out at a time, so memory stays flat however large the
input. In one process a record is normalised first and analysed only if it is to be written: a
reindex of files without raw digests (pages, feeds) stops at the content hash, as before.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import types
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from search.analysis import index_names, remember_terms, term_of, terms_of, tokens
from search.groups.fingerprints import Fingerprint, fingerprint
from search.ingest import RawRecord
from search.normalize import Normalized, build_article
from search.types import Article, IndexDocument
from search.vocabulary import MAX_TOKENS

CHUNK_RECORDS = 256
CHUNK_CHARS = 2 * 1024 * 1024  # a chunk also ends at this much text: records can be 50 MB
IN_FLIGHT_PER_WORKER = 3  # chunks out per worker: enough to keep it busy, not enough to pile up


@dataclass
class Prepared:
    """One record made ready: its article, or why it was rejected; and, when a worker made it,
    its index terms, its written words and its fingerprint (else the writer makes them)."""

    normalized: Normalized | None = None
    error: str | None = None
    document: IndexDocument | None = None
    written: list[list[str]] | None = None  # each text's distinct tokens as written
    fingerprint: Fingerprint | None = None


def document_for(article: Article, raw_digest: str | None = None, written=None) -> IndexDocument:
    """The article with its index terms: the analysis every engine receives, done here once.
    ``written`` is given each text's tokens as written (the vocabulary), split only once; a
    giant text's tokens are let go before the next is split."""
    terms = []
    for text in (article.title, article.body):
        split = tokens(text)
        if written is not None:
            written(split)
        terms.append(terms_of(split))
        del split
    return IndexDocument(
        article=article,
        title_terms=terms[0],
        body_terms=terms[1],
        author_terms=index_names(article.author) if article.author else "",
        place_terms=index_names(article.place) if article.place else "",
        raw_digest=raw_digest,
    )


def document_chars(document: IndexDocument) -> int:
    """What a pending document holds in memory, roughly: its text and its terms."""
    text = len(document.article.title) + len(document.article.body)
    return text + len(document.title_terms) + len(document.body_terms)


def normalize(fields: dict, default_source: str | None) -> Prepared:
    try:
        return Prepared(build_article(fields, default_source))
    except (ValueError, TypeError) as exc:
        return Prepared(error=str(exc))


def prepare(fields: dict, digest: str | None, default_source: str | None, seen: dict) -> tuple:
    """Everything a worker can do for one record, as a tuple (tuples cross between processes
    several times faster than dataclasses with slots): the normalised record or its error,
    its index terms, each text's distinct tokens as written, its fingerprint. ``seen`` gathers
    the chunk's token -> term pairs, sent once per chunk instead of once per article."""
    prepared = normalize(fields, default_source)
    if prepared.normalized is None:
        return None, prepared.error, None, None, None
    written: list[list[str]] = []

    def keep(split: list[str]) -> None:
        distinct = set(split[:MAX_TOKENS])
        written.append(list(distinct))
        for token in distinct.difference(seen):
            seen[token] = term_of(token)

    document = document_for(prepared.normalized.article, digest, keep)
    terms = (document.title_terms, document.body_terms, document.author_terms, document.place_terms)
    made = fingerprint(document.title_terms, document.body_terms)
    return prepared.normalized, None, terms, written, made


def _prepare_chunk(chunk: list[tuple[dict, str | None]], default_source: str | None):
    seen: dict[str, str] = {}
    return [prepare(fields, digest, default_source, seen) for fields, digest in chunk], seen


def _received(made: tuple, digest: str | None) -> Prepared:
    normalized, error, terms, written, fingerprint = made
    if normalized is None:
        return Prepared(error=error)
    document = IndexDocument(normalized.article, *terms, raw_digest=digest)
    return Prepared(normalized, None, document, written, fingerprint)


def _size(fields: dict) -> int:
    return sum(len(value) for value in fields.values() if isinstance(value, str)) + 64


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """A new process started by ``multiprocessing`` runs the parent's main script again unless
    it is guarded by ``if __name__ == "__main__"``; a user's script that builds an index would
    then build it again in every worker. The workers need only this module, so they are
    started while ``__main__`` is a blank module that names no script."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _work(tasks, results, default_source: str | None) -> None:
    """A worker: chunks in, prepared chunks out, each tagged with its number, until None."""
    while (task := tasks.get()) is not None:
        number, chunk = task
        try:
            results.put((number, _prepare_chunk(chunk, default_source), None))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            results.put((number, None, f"{type(exc).__name__}: {exc}"))


class Preparer:
    """Pairs each record read with its ``Prepared`` (None: the writer prepares it itself).

    With ``workers`` at 0 everything happens in this process. The workers start with the first
    record that needs preparing, so a reindex that finds every record unchanged starts none.
    Chunks go to whichever worker is free and are put back in order by their number.
    """

    def __init__(self, workers: int, default_source: str | None) -> None:
        self.workers = workers
        self.default_source = default_source
        self._processes: list = []
        self._tasks = self._results = None
        self._sent = 0
        self._done: dict[int, list[Prepared]] = {}

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, kind, value, trace) -> None:
        self.close(stop_now=kind is not None)

    def close(self, stop_now: bool = False) -> None:
        for _ in self._processes:
            self._tasks.put(None)
        for process in self._processes:
            process.join(timeout=0.1 if stop_now else 30)
            if process.is_alive():
                process.terminate()
                process.join()
        self._processes = []

    def _start(self) -> None:
        # Spawned, not forked: the engine's writer has threads of its own, which a fork would
        # copy mid-flight.
        context = multiprocessing.get_context("spawn")
        self._tasks, self._results = context.Queue(), context.Queue()
        with _main_script_hidden():
            for _ in range(self.workers):
                process = context.Process(
                    target=_work, args=(self._tasks, self._results, self.default_source)
                )
                process.daemon = True
                process.start()
                self._processes.append(process)

    def records(self, records: Iterable) -> Iterator[tuple[object, Prepared | None]]:
        if not self.workers:
            for record in records:
                yield record, None
            return
        window: deque[tuple[list, int | None]] = deque()
        chunk: list = []
        size = 0
        for record in records:
            chunk.append(record)
            if isinstance(record, RawRecord):
                size += _size(record.fields)
            if len(chunk) >= CHUNK_RECORDS or size >= CHUNK_CHARS:
                window.append(self._submit(chunk))
                chunk, size = [], 0
                while len(window) > IN_FLIGHT_PER_WORKER * self.workers:
                    yield from self._paired(*window.popleft())
        if chunk:
            window.append(self._submit(chunk))
        while window:
            yield from self._paired(*window.popleft())

    def _submit(self, chunk: list) -> tuple[list, int | None]:
        raw = [(r.fields, r.digest) for r in chunk if isinstance(r, RawRecord)]
        if not raw:  # unchanged records and errors need no preparing
            return chunk, None
        if not self._processes:
            self._start()
        self._sent += 1
        self._tasks.put((self._sent, raw))
        return chunk, self._sent

    def _result(self, number: int) -> list[Prepared]:
        while number not in self._done:
            try:
                got, prepared, error = self._results.get(timeout=1.0)
            except queue.Empty:
                if not all(p.is_alive() for p in self._processes):
                    raise RuntimeError("a worker process preparing articles stopped") from None
                continue
            if error is not None:
                raise RuntimeError(f"a worker process failed preparing articles: {error}")
            made, terms = prepared
            remember_terms(terms)
            self._done[got] = made
        return self._done.pop(number)

    def _paired(self, chunk: list, number: int | None) -> Iterator[tuple[object, Prepared | None]]:
        made = iter(self._result(number) if number is not None else ())
        for record in chunk:
            if isinstance(record, RawRecord):
                yield record, _received(next(made), record.digest)
            else:
                yield record, None
