"""Copy groups: the connected components of "near-identical text" among articles.

Two articles are copies when their estimated shingle Jaccard similarity reaches the threshold;
a copy group is everything linked by such pairs (a wire story, its corrected re-send and each
updated version of it). Components do not depend on the order articles arrive in, so building
at once and building run by run give the same groups.

Only what changed is touched: the articles without a group (new ones, and every member of a
group one of whose articles changed, since a changed text can split its group) look for
candidates in the buckets they share, are compared by signature, and join or merge the groups
they link to. A group is known by its founder (its earliest member, then the smallest id), so
a group that gains later copies keeps its name.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from search.groups.fingerprints import NUM_PERM, shingle_count, signature_slots
from search.groups.store import MEMBER_COLUMNS, GroupStore, Member

DAY_SECONDS = 86_400
# A text whose shingles are this much (estimated) inside another's is a cut or extended version
# of it, when their Jaccard similarity is at least the floor (below it the estimate is noise).
CONTAINED = 0.8
CONTAINED_FLOOR = 0.2

# A bucket this full is boilerplate (a sign-off line shared by thousands of articles whose
# minimum hash it happens to be), not evidence of copying: it is skipped.
MAX_BUCKET = 1000
PAIRS_HELD = 2_000_000  # candidate pairs gathered before they are compared (~32 MB)
COMPARE_CHUNK = 200_000  # pairs compared at once (two signature matrices of ~25 MB)


class _Components:
    """Union-find over article numbers."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for x in self.parent:
            found.setdefault(self.find(x), []).append(x)
        return found


class _Signatures:
    """Signatures, times and shingle counts by article number, as arrays: every article's for a
    large regroup (rows are article numbers), else those of the articles asked for."""

    def __init__(self, store: GroupStore, everything: bool) -> None:
        self.store = store
        self.dense = everything
        self.row: dict[int, int] = {}
        if everything:
            size = store.db.execute("SELECT COALESCE(MAX(num), 0) + 1 FROM article").fetchone()[0]
            self._allocate(size)
            for num, sig, at in store.iter_rows(
                "SELECT num, sig, at FROM article WHERE sig IS NOT NULL"
            ):
                self._set(num, sig, at)
        else:
            self._allocate(0)

    def _allocate(self, size: int) -> None:
        self.slots = np.zeros((size, NUM_PERM), dtype=np.uint16)
        self.times = np.full(size, np.nan)
        self.sizes = np.zeros(size)

    def _set(self, row: int, sig: bytes, at: int | None) -> None:
        self.slots[row] = signature_slots(sig)
        self.times[row] = np.nan if at is None else at
        self.sizes[row] = shingle_count(sig)

    def load(self, nums: set[int]) -> None:
        """Read the signatures of ``nums`` (not needed when every article's is held)."""
        if self.dense:
            return
        missing = sorted(n for n in nums if n not in self.row)
        if not missing:
            return
        base = len(self.times)
        slots, times, sizes = self.slots, self.times, self.sizes
        self._allocate(base + len(missing))
        self.slots[:base], self.times[:base], self.sizes[:base] = slots, times, sizes
        for offset, num in enumerate(missing):
            self.row[num] = base + offset
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for num, sig, at in self.store.iter_rows(
                f"SELECT num, sig, at FROM article WHERE num IN ({marks})", tuple(chunk)
            ):
                self._set(self.row[num], sig, at)

    def rows(self, nums: np.ndarray) -> np.ndarray:
        if self.dense:
            return nums
        return np.array([self.row[n] for n in nums.tolist()], dtype=np.int64)


def copies_among(
    pairs: np.ndarray, signatures: _Signatures, threshold: float, rows=None
) -> np.ndarray:
    """The pairs (article numbers, one pair per row) that are copies: alike enough, or the one
    nearly contained in the other (a cut or extended version)."""
    found = []
    for start in range(0, len(pairs), COMPARE_CHUNK):
        chunk = pairs[start : start + COMPARE_CHUNK]
        a, b = signatures.rows(chunk[:, 0]), signatures.rows(chunk[:, 1])
        jaccard = np.mean(signatures.slots[a] == signatures.slots[b], axis=1)
        size_a, size_b = signatures.sizes[a], signatures.sizes[b]
        shorter = np.maximum(np.minimum(size_a, size_b), 1)
        contained = jaccard * (size_a + size_b) / ((1 + jaccard) * shorter)
        alike = (jaccard >= threshold) | ((contained >= CONTAINED) & (jaccard >= CONTAINED_FLOOR))
        found.append(chunk[alike])
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)


def _buckets(store: GroupStore, everything: bool) -> Iterator[list[int]]:
    """The members of every bucket that holds an ungrouped article, bucket by bucket."""
    if everything:
        rows = store.iter_rows("SELECT key, num FROM bucket ORDER BY key")
    else:
        rows = store.iter_rows(
            "SELECT key, num FROM bucket WHERE key IN (SELECT b.key FROM bucket b JOIN article a "
            "ON a.num = b.num WHERE a.copy_group IS NULL) ORDER BY key"
        )
    current, members = None, []
    for key, num in rows:
        if key != current:
            if len(members) > 1:
                yield members
            current, members = key, []
        members.append(num)
    if len(members) > 1:
        yield members


def group_copies(store: GroupStore, threshold: float, days: int) -> int:
    """Give every ungrouped article its copy group; returns how many were grouped.

    Two articles are copies when their signatures agree in ``threshold`` of their slots (or
    the shorter text is nearly all in the longer) and they were published at most ``days``
    apart, or one is undated: the same template report or one-line flash on another day is
    another article, not a copy."""
    ungrouped = {
        num for (num,) in store.iter_rows("SELECT num FROM article WHERE copy_group IS NULL")
    }
    if not ungrouped:
        return 0
    total = store.db.execute("SELECT COUNT(*) FROM article").fetchone()[0]
    everything = len(ungrouped) * 2 > total
    signatures = _Signatures(store, everything)
    buckets = _buckets(store, everything)
    if not everything:  # few buckets: read the signatures their members need, then compare
        buckets = [members for members in buckets if len(members) <= MAX_BUCKET]
        signatures.load({num for members in buckets for num in members})
    fresh = np.zeros(len(signatures.times) if everything else 0, dtype=bool)  # by number
    fresh[list(ungrouped) if everything else []] = True
    links = _Components()
    pending: list[np.ndarray] = []
    held = 0
    for members in buckets:
        if len(members) > MAX_BUCKET:
            continue
        pairs = _candidate_pairs(
            np.asarray(members, dtype=np.int64), signatures, ungrouped, fresh, days * DAY_SECONDS
        )
        if len(pairs):
            pending.append(pairs)
            held += len(pairs)
        if held >= PAIRS_HELD:
            _link(pending, signatures, threshold, links)
            pending, held = [], 0
    _link(pending, signatures, threshold, links)
    _name_groups(store, ungrouped, links)
    return len(ungrouped)


def _candidate_pairs(
    members: np.ndarray, signatures: _Signatures, ungrouped: set[int], fresh: np.ndarray, window
) -> np.ndarray:
    """The pairs of a bucket's members that involve an ungrouped article and are close enough
    in time to be copies."""
    if len(fresh):
        is_fresh = fresh[members]
    else:
        is_fresh = np.fromiter((n in ungrouped for n in members.tolist()), bool, len(members))
    if not is_fresh.any():
        return np.empty((0, 2), dtype=np.int64)
    i, j = np.triu_indices(len(members), 1)
    keep = is_fresh[i] | is_fresh[j]
    times = signatures.times[signatures.rows(members)]
    ti, tj = times[i], times[j]
    keep &= np.isnan(ti) | np.isnan(tj) | (np.abs(ti - tj) <= window)
    return np.stack([members[i[keep]], members[j[keep]]], axis=1)


def _link(
    pending: list[np.ndarray], signatures: _Signatures, threshold: float, links: _Components
) -> None:
    """Compare each candidate pair once (a pair meets in up to ``BUCKET_SLOTS`` buckets) and
    join the copies."""
    if not pending:
        return
    pairs = np.unique(np.concatenate(pending), axis=0)
    for a, b in copies_among(pairs, signatures, threshold).tolist():
        links.union(a, b)


def _name_groups(store: GroupStore, ungrouped: set[int], links: _Components) -> None:
    """Each component's group is its founder's number: the earliest of its new members and of
    the founders of the groups it joins (which are renamed when they merge into another)."""
    updates: list[tuple[int, int]] = []
    renames: list[tuple[int, int]] = []
    for nums in links.groups().values():
        fresh = [n for n in nums if n in ungrouped]
        if not fresh:
            continue
        known = [n for n in nums if n not in ungrouped]
        joined = sorted({m.copy_group for m in _members(store, known)} - {None})
        founder = min(_members(store, fresh + joined), key=lambda m: m.order)
        updates.extend((founder.num, n) for n in fresh)
        renames.extend((founder.num, old) for old in joined if old != founder.num)
    alone = sorted(ungrouped - set(links.parent))
    updates.extend((num, num) for num in alone)
    store.db.executemany("UPDATE article SET copy_group = ? WHERE num = ?", updates)
    store.db.executemany("UPDATE article SET copy_group = ? WHERE copy_group = ?", renames)


def _members(store: GroupStore, nums: list[int]) -> Iterator[Member]:
    for start in range(0, len(nums), 500):
        chunk = nums[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.iter_rows(
            f"SELECT {MEMBER_COLUMNS} FROM article WHERE num IN ({marks})", chunk
        ):
            yield Member(*row)
