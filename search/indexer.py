"""``update_index``: read article files into an index, writing only what is new or changed.

Incremental by content hash: each article's id is looked up among the stored hashes; an unknown
id is added, a known id with another hash is updated, the rest is left alone, so a second run over
the same files writes nothing. Writes are committed in batches, so memory stays flat and a killed
run keeps everything up to its last commit (Whoosh renames its table of contents into place, so a
commit is all or nothing). A rebuild is written beside the old index and swapped in at the end.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from search.archive import create_archive, is_archive, open_archive
from search.errors import IndexNotFoundError, IngestError
from search.folders import (
    archive_id_of,
    choose_engine,
    finish_rebuild,
    remove_empty_index,
    staging_for_rebuild,
)
from search.groups.builder import GroupBuilder, GroupingSettings
from search.ingest import InputFile, Known, Skipped, Unchanged, iter_input_files, read_records
from search.locking import writer_lock
from search.normalize import NORMALIZER_VERSION, Normalized
from search.preparing import (
    Prepared,
    Preparer,
    document_chars,
    document_for,
    normalize,
)
from search.reports import IndexReport
from search.types import Article
from search.vocabulary import VocabularyBuilder

BATCH_SIZE = 5_000
BATCH_BYTES = 48 * 1024 * 1024  # a batch also ends at this much text and terms, however few
BULK_THRESHOLD_BYTES = 4 * 1024 * 1024  # below this one process is faster than two


class Progress:
    """What ``update_index`` reports as it goes; the CLI draws a bar from it, tests ignore it.

    A commit can take longer than the reading before it (the bulk writer merges its segments at
    the end), so it is reported as a phase of its own rather than as a bar stuck at 100%.
    """

    def start(self, total_bytes: int) -> None: ...

    def advance(self, done_bytes: int, articles: int) -> None: ...

    def committing(self, articles: int) -> None:
        """A commit of ``articles`` pending writes begins."""

    def committed(self) -> None: ...

    def grouping(self) -> None:
        """Every article is committed; copies and stories are being grouped."""

    def finish(self) -> None: ...


def update_index(
    index_dir: str | Path,
    paths: Iterable[str | Path],
    *,
    default_source: str | None = None,
    rebuild: bool = False,
    batch_size: int = BATCH_SIZE,
    on_problem: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    keep_problems: int = 100,
    engine: str | None = None,
    on_skip: Callable[[str], None] | None = None,
    grouping: GroupingSettings | None = None,
    workers: int = 0,
) -> IndexReport:
    """Index every article under ``paths`` into ``index_dir`` and report what happened.

    ``engine`` chooses the engine of a new index (default: ``MORGUE_ENGINE``, else whoosh). An
    existing index keeps its own; asking it for another is an error unless ``rebuild`` is set,
    and a rebuild without ``engine`` keeps the engine the index had. ``workers``: processes
    that normalise and analyse beside this one (0: everything in this process; see
    ``search.preparing`` for why that is the default).
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = IndexReport()
    progress = progress or Progress()

    def problem(message: str) -> None:
        if len(report.problems) < keep_problems:
            report.problems.append(message)
        if on_problem:
            on_problem(message)

    def skip(message: str) -> None:
        if len(report.skipped_files) < keep_problems:
            report.skipped_files.append(message)
        if on_skip:
            on_skip(message)

    inputs: list[InputFile] = []
    for item in iter_input_files(paths):
        if isinstance(item, Skipped):
            report.skipped += 1
            skip(str(item))
        elif isinstance(item, IngestError):
            report.rejected += 1
            problem(str(item))
        else:
            inputs.append(item)
    # Sorted by path, so the same files give the same index whatever order they are named in:
    # when two records share an id, the first one read wins, and "first" is now well defined.
    inputs.sort(key=lambda f: str(f.path))

    engine_name = choose_engine(index_dir, engine, rebuild)
    existing = set(os.listdir(index_dir)) if index_dir.is_dir() else None
    had_index = existing is not None and is_archive(index_dir)
    target = index_dir
    try:
        with writer_lock(index_dir):
            target = staging_for_rebuild(index_dir) if rebuild else index_dir
            archive_id = archive_id_of(index_dir)  # gives an index made before ids one
            try:
                engine = open_archive(target)
            except IndexNotFoundError:
                engine = create_archive(target, engine_name, index_id=archive_id)
            groups = GroupBuilder(target, grouping)
            words = VocabularyBuilder(target)
            try:
                stored = engine.stored_hashes()
                groups.sync(engine, stored)
                words.sync(engine, stored)
                digest_ids = engine.stored_digests()
                salt = f"{NORMALIZER_VERSION}|{default_source or ''}"
                bulk = not stored and sum(f.size for f in inputs) >= BULK_THRESHOLD_BYTES
                run = _Run(
                    *(engine, stored, digest_ids, report, problem, default_source),
                    batch_size=batch_size,
                    bulk=bulk,
                    progress=progress,
                    groups=groups,
                    words=words,
                    skip=skip,
                )
                with Preparer(workers, default_source) as preparer:
                    try:
                        _write_all(run, inputs, Known(set(digest_ids), salt), preparer)
                    finally:
                        report.shards = engine.writes_per_shard()
                del run, stored, digest_ids  # a million ids and hashes: not held while grouping
                progress.grouping()
                engine.refresh()
                report.groups = groups.group(engine)
            finally:
                progress.finish()
                groups.close()
                words.close()
                engine.close()
            if rebuild:
                finish_rebuild(target, index_dir, nothing_found=report.added == 0)
    except BaseException:
        if rebuild and target != index_dir:  # an interrupted rebuild: the old index stays
            shutil.rmtree(target, ignore_errors=True)
        elif not had_index and not report.commits:  # an interrupted first run: no empty index
            remove_empty_index(index_dir, existing)
        raise
    if not had_index and report.added == 0:
        remove_empty_index(index_dir, existing)
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    """One pass over the inputs: the duplicate check, the batch writer and the counts."""

    def __init__(
        self,
        engine,
        stored,
        digest_ids,
        report,
        problem,
        default_source,
        batch_size,
        bulk,
        progress,
        groups,
        words,
        skip,
    ):
        self.engine = engine
        self.skip = skip
        self.stored = stored
        self.digest_ids = digest_ids
        self.report = report
        self.problem = problem
        self.default_source = default_source
        self.batch_size = batch_size
        self.bulk = bulk
        self.progress = progress
        self.words = words
        self.groups = groups
        self.seen: dict[str, str | None] = {}  # id -> content hash claimed in this run
        self.writer = None
        self.pending = 0
        self.pending_chars = 0
        self.articles = 0

    def claim(self, article_id: str, where: str, content_hash: str | None = None) -> bool:
        """The first record with an id in this run keeps it; later ones are reported."""
        self.articles += 1
        if article_id in self.seen:
            self.report.duplicates += 1
            self.problem(f"{where}: duplicate id {article_id!r} (the first one read is kept)")
            return False
        self.seen[article_id] = content_hash
        return True

    def as_version(self, normalized: Normalized) -> Article:
        """A page scraped several times: an article known by its URL whose URL this run gave
        to another text is kept as a version of that page (its id: the URL and its own content
        hash); dropping it as a duplicate would lose the edits copy groups exist to show."""
        article = normalized.article
        first = self.seen.get(article.id, article.content_hash)
        if not normalized.named_by_url or first == article.content_hash:
            return article
        return replace(article, id=f"{article.url}#{article.content_hash[:12]}")

    def take(self, record, prepared: Prepared | None = None) -> None:
        """One record read, with what a worker made of it (None: made here, as needed)."""
        report = self.report
        if isinstance(record, IngestError):
            report.rejected += 1
            self.problem(str(record))
            return
        if isinstance(record, Skipped):  # a record that holds no article (a web archive's image)
            report.skipped_records += 1
            self.skip(str(record))
            return
        where = f"{record.path}: {record.where}" if record.where else record.path
        if isinstance(record, Unchanged):  # seen byte for byte before
            article_id = self.digest_ids[record.digest]
            stored_hash = self.stored.get(article_id)
            if self.seen.get(article_id, stored_hash) != stored_hash:
                # this run gave its URL to another text: the stored page becomes a version
                stored = self.engine.get(article_id)  # (the last commit's, not this run's)
                if stored and stored.url == article_id and stored.content_hash == stored_hash:
                    self.keep_version(stored, where, record.digest)
                    return
            if self.claim(article_id, where, stored_hash):
                report.unchanged += 1
            return
        prepared = prepared or normalize(record.fields, self.default_source)
        normalized = prepared.normalized
        if normalized is None:
            report.rejected += 1
            self.problem(f"{where}: {prepared.error}")
            return
        for warning in normalized.warnings:
            report.warnings += 1
            self.problem(f"{where}: warning: {warning}")
        article = self.as_version(normalized)
        if not self.claim(article.id, where, article.content_hash):
            return
        if article is not normalized.article:
            report.versions += 1
        old_hash = self.stored.get(article.id)
        if old_hash == article.content_hash:
            report.unchanged += 1
            return
        origin = _absolute(record.path)  # the place to find it again, from anywhere
        origin += f": {record.where}" if record.where else ""
        article = replace(article, provenance=(("read from", origin), *article.provenance))
        document = prepared.document
        if document is None:
            document = document_for(article, record.digest, self.words.stage)
        else:
            for written in prepared.written:
                self.words.stage(written)
            if article is not document.article:  # kept as a version: another id, same terms
                document = replace(document, article=article)
        self.store(document, old_hash, prepared.fingerprint)

    def keep_version(self, stored: Article, where: str, digest: str) -> None:
        """A stored page read again unchanged after this run gave its URL to another text:
        kept as a version of the page, as it would have been had both been read in one run."""
        version = replace(stored, id=f"{stored.url}#{stored.content_hash[:12]}")
        if not self.claim(version.id, where, version.content_hash):
            return
        self.report.versions += 1
        old_hash = self.stored.get(version.id)
        if old_hash == version.content_hash:
            self.report.unchanged += 1
            return
        self.store(document_for(version, digest, self.words.stage), old_hash, None)

    def store(self, document, old_hash: str | None, fingerprint) -> None:
        report = self.report
        if self.writer is None:
            self.writer = self.engine.writer(bulk=self.bulk)
        if old_hash is None:
            self.writer.add(document)
            report.added += 1
        else:
            self.writer.update(document)
            report.updated += 1
        self.groups.stage(document, fingerprint)
        self.pending += 1
        self.pending_chars += document_chars(document)
        if self.pending >= self.batch_size or self.pending_chars >= BATCH_BYTES:
            self.commit()

    def commit(self) -> None:
        if self.writer is not None:
            self.progress.committing(self.pending)
            self.writer.commit()
            self.groups.commit()
            self.words.commit()
            _give_back_free_memory()
            self.progress.committed()
            self.report.commits += 1
            self.writer, self.pending, self.pending_chars = None, 0, 0

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.groups.cancel()
            self.words.cancel()
            self.writer = None


def _give_back_free_memory() -> None:
    """Hand the heap pages a batch freed back to the OS (glibc only, a no-op elsewhere).

    A batch of long articles leaves megabytes of freed strings in the C heap, which glibc keeps
    (its threshold for giving memory back rises with the sizes it has seen), so the process kept
    growing from batch to batch of a giant input; ``malloc_trim`` returns them.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=64)
def _absolute(path: str) -> str:
    """An input's absolute path, resolved once per file, not once per article (a syscall a
    folder of the path)."""
    return str(Path(path).resolve())


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _write_all(run: _Run, inputs: list[InputFile], known: Known, preparer: Preparer) -> None:
    progress = run.progress
    done_bytes = 0
    progress.start(sum(f.size for f in inputs))
    try:
        for input_file in inputs:
            for record, prepared in preparer.records(read_records(input_file, known)):
                run.take(record, prepared)
                del record, prepared  # not held while the next is read: records can be 50 MB
                if run.articles % 200 == 0:
                    progress.advance(done_bytes + input_file.consumed(), run.articles)
            done_bytes += input_file.size
            progress.advance(done_bytes, run.articles)
        run.commit()
    finally:
        run.cancel()
