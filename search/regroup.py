"""``morgue regroup``: every article of an index grouped again, in one run under the writer
lock (the indexer groups only what each run adds or changes)."""

from __future__ import annotations

from pathlib import Path

from search.archive import open_archive
from search.groups.builder import GroupBuilder, GroupingSettings, GroupReport
from search.indexer import Progress
from search.locking import writer_lock


def regroup_index(
    index_dir: str | Path,
    grouping: GroupingSettings | None = None,
    progress: Progress | None = None,
) -> GroupReport:
    """Group every article of an index again: after a change of thresholds, to decide old
    stories with today's weights, or for an index made before grouping existed."""
    index_dir = Path(index_dir)
    progress = progress or Progress()
    with writer_lock(index_dir), open_archive(index_dir) as engine:
        groups = GroupBuilder(index_dir, grouping)
        try:
            groups.sync(engine, engine.stored_hashes())
            groups.ungroup_all()
            progress.grouping()
            return groups.group(engine)
        finally:
            progress.finish()
            groups.close()
