"""One writer per index for a whole run, with an OS file lock that dies with its process.

Each engine locks its index while a writer is open, but Whoosh's writer lasts one batch: between
two commits a second ``morgue reindex`` could take the lock, and two runs that each decided which
articles were new would then both add the same ones. So ``update_index`` holds this lock, in the
index folder, from the first read of the stored hashes to the last commit. The OS releases it when
the process ends, however it ends, so a killed writer never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from search.errors import IndexLockedError

LOCK_NAME = ".morgue-writer.lock"
LOCK_TIMEOUT_SECONDS = 3.0

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the index's writer lock; IndexLockedError if another process keeps it past timeout."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise IndexLockedError(str(index_dir))
            time.sleep(0.05)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
