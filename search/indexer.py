"""``update_index``: read article files into an index, writing only what is new or changed.

Incremental by content hash: each article's id is looked up among the stored hashes; an unknown
id is added, a known id with another hash is updated, the rest is left alone, so a second run over
the same files writes nothing. Writes are committed in batches, so memory stays flat and a killed
run keeps everything up to its last commit (Whoosh renames its table of contents into place, so a
commit is all or nothing). A rebuild is written beside the old index and swapped in at the end.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search.engines import create_engine, open_engine
from search.engines.base import META_FILE
from search.errors import IndexNotFoundError, IngestError, MorgueError
from search.ingest import InputFile, Known, Unchanged, iter_input_files, read_records
from search.normalize import NORMALIZER_VERSION, build_article

BATCH_SIZE = 5_000
BULK_THRESHOLD_BYTES = 4 * 1024 * 1024  # below this one process is faster than two


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    warnings: int = 0
    commits: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # the first ones, for callers that show them

    @property
    def written(self) -> int:
        return self.added + self.updated

    def summary(self) -> str:
        text = (
            f"{self.added:,} added, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.rejected:,} rejected"
        )
        if self.duplicates:
            text += f", {self.duplicates:,} duplicate ids skipped"
        if self.warnings:
            text += f", {self.warnings:,} warnings"
        return text + f" in {self.seconds:.1f} s"


class Progress:
    """What ``update_index`` reports as it goes; the CLI draws a bar from it, tests ignore it."""

    def start(self, total_bytes: int) -> None: ...

    def advance(self, done_bytes: int, articles: int) -> None: ...

    def finish(self) -> None: ...


def _is_index_folder(path: Path) -> bool:
    return (path / META_FILE).exists() or any(path.glob("_MAIN_*.toc"))


def _clear_for_rebuild(index_dir: Path) -> Path:
    """Where to build a rebuild: a fresh sibling folder, swapped in when the build completes."""
    if index_dir.exists() and any(index_dir.iterdir()) and not _is_index_folder(index_dir):
        raise MorgueError(
            f"{index_dir} is not a Morgue index and is not empty; refusing to rebuild over it"
        )
    staging = index_dir.with_name(index_dir.name + ".rebuild")
    shutil.rmtree(staging, ignore_errors=True)
    return staging


def _swap_in(staging: Path, index_dir: Path) -> None:
    old = index_dir.with_name(index_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if index_dir.exists():
        # Keep files git or the user placed there (index/README.md) by moving only the index.
        keep = [p for p in index_dir.iterdir() if p.name == "README.md"]
        index_dir.rename(old)
        index_dir.mkdir()
        for item in keep:
            shutil.move(str(old / item.name), index_dir / item.name)
    else:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        index_dir.mkdir()
    for item in staging.iterdir():
        shutil.move(str(item), index_dir / item.name)
    staging.rmdir()
    shutil.rmtree(old, ignore_errors=True)


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
) -> IndexReport:
    """Index every article under ``paths`` into ``index_dir`` and report what happened."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = IndexReport()
    progress = progress or Progress()

    def problem(message: str) -> None:
        if len(report.problems) < keep_problems:
            report.problems.append(message)
        if on_problem:
            on_problem(message)

    inputs: list[InputFile] = []
    for item in iter_input_files(paths):
        if isinstance(item, IngestError):
            report.rejected += 1
            problem(str(item))
        else:
            inputs.append(item)

    target = _clear_for_rebuild(index_dir) if rebuild else index_dir
    try:
        engine = open_engine(target)
    except IndexNotFoundError:
        engine = create_engine(target)
    try:
        stored = engine.stored_hashes()
        digest_ids = engine.stored_digests()
        known = Known(set(digest_ids), salt=f"{NORMALIZER_VERSION}|{default_source or ''}")
        total_bytes = sum(f.size for f in inputs)
        bulk = not stored and total_bytes >= BULK_THRESHOLD_BYTES
        _write_all(
            engine,
            inputs,
            stored,
            (known, digest_ids),
            report,
            problem,
            progress,
            default_source,
            batch_size,
            bulk,
        )
    finally:
        engine.close()
    if rebuild:
        _swap_in(target, index_dir)
    report.seconds = time.perf_counter() - started
    return report


def _write_all(
    engine,
    inputs,
    stored,
    known_digests,
    report,
    problem,
    progress,
    default_source,
    batch_size,
    bulk,
):
    known, digest_ids = known_digests
    seen: set[str] = set()
    writer = None
    pending = 0
    done_bytes = 0
    articles = 0
    progress.start(sum(f.size for f in inputs))
    try:
        for input_file in inputs:
            for record in read_records(input_file, known):
                if isinstance(record, IngestError):
                    report.rejected += 1
                    problem(str(record))
                    continue
                if isinstance(record, Unchanged):
                    # Seen byte for byte before: unchanged, and its id is taken for this run.
                    article_id = digest_ids[record.digest]
                    articles += 1
                    if article_id in seen:
                        report.duplicates += 1
                        where = f"{record.path}: {record.where}" if record.where else record.path
                        problem(
                            f"{where}: duplicate id {article_id!r} (the first one read is kept)"
                        )
                    else:
                        seen.add(article_id)
                        report.unchanged += 1
                    continue
                where = f"{record.path}: {record.where}" if record.where else record.path
                try:
                    normalized = build_article(record.fields, default_source)
                except (ValueError, TypeError) as exc:
                    report.rejected += 1
                    problem(f"{where}: {exc}")
                    continue
                for warning in normalized.warnings:
                    report.warnings += 1
                    problem(f"{where}: warning: {warning}")
                article = normalized.article
                articles += 1
                if article.id in seen:
                    report.duplicates += 1
                    problem(f"{where}: duplicate id {article.id!r} (the first one read is kept)")
                    continue
                seen.add(article.id)
                old_hash = stored.get(article.id)
                if old_hash == article.content_hash:
                    report.unchanged += 1
                else:
                    if writer is None:
                        writer = engine.writer(bulk=bulk)
                    if old_hash is None:
                        writer.add(article, record.digest)
                        report.added += 1
                    else:
                        writer.update(article, record.digest)
                        report.updated += 1
                    pending += 1
                    if pending >= batch_size:
                        writer.commit()
                        report.commits += 1
                        writer, pending = None, 0
                if articles % 200 == 0:
                    progress.advance(done_bytes + input_file.consumed(), articles)
            done_bytes += input_file.size
            progress.advance(done_bytes, articles)
        if writer is not None:
            writer.commit()
            report.commits += 1
            writer = None
    finally:
        if writer is not None:
            writer.cancel()
        progress.finish()
