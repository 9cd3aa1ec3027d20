"""Copy groups: the connected components of "near-identical text" among articles.

Two articles are copies when their estimated shingle Jaccard similarity reaches the threshold
(or the shorter text is nearly all inside the longer) and they were published close enough in
time; a copy group is everything linked by such pairs (a wire story, its corrected re-send and
each updated version of it). Components do not depend on the order articles arrive in, so
building at once and building run by run give the same groups.

Candidates are found by locality-sensitive hashing: two articles that agree in any of the first
``BUCKET_SLOTS`` signature slots share a bucket. Buckets are made in memory from every article's
signature (sorting each slot's values), so the file holds no bucket table to keep up to date.
Only what changed is grouped: the articles without a group (new ones, and every member of a
group one of whose articles changed, since a changed text can split its group) are compared with
their bucket mates, each pair once, and join or merge the groups they link to. A group is known
by its founder (its earliest member, then the smallest id), so a group that gains later copies
keeps its name.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from search.groups.fingerprints import BUCKET_SLOTS, NUM_PERM, shingle_count, signature_slots
from search.groups.store import MEMBER_COLUMNS, GroupStore, Member

DAY_SECONDS = 86_400
# A text whose shingles are this much (estimated) inside another's is a cut or extended version
# of it, when their Jaccard similarity is at least the floor (below it the estimate is noise).
CONTAINED = 0.8
CONTAINED_FLOOR = 0.2

# A bucket this full is boilerplate (a sign-off line shared by thousands of articles whose
# minimum hash it happens to be), not evidence of copying: it is skipped.
MAX_BUCKET = 1000
PAIRS_HELD = 500_000  # candidate pairs made at once (~8 MB), before they are filtered
COMPARE_CHUNK = 200_000  # pairs whose signatures are compared at once (2 x ~25 MB)


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
    """Every article's signature, bucket keys, time and shingle count, as arrays whose rows are
    article numbers (about 180 bytes an article)."""

    def __init__(self, store: GroupStore) -> None:
        size = store.db.execute("SELECT COALESCE(MAX(num), 0) + 1 FROM article").fetchone()[0]
        self.slots = np.zeros((size, NUM_PERM), dtype=np.uint16)
        self.keys = np.zeros((size, BUCKET_SLOTS), dtype=np.uint32)
        self.times = np.full(size, np.nan)
        self.sizes = np.zeros(size)
        self.present = np.zeros(size, dtype=bool)  # has words to compare
        for num, sig, at in store.iter_rows(
            "SELECT num, sig, at FROM article WHERE sig IS NOT NULL"
        ):
            self.slots[num] = signature_slots(sig)
            self.keys[num] = np.frombuffer(sig, dtype="<u4", count=BUCKET_SLOTS)
            self.times[num] = np.nan if at is None else at
            self.sizes[num] = shingle_count(sig)
            self.present[num] = True


def copies_among(pairs: np.ndarray, signatures: _Signatures, threshold: float) -> np.ndarray:
    """The pairs (article numbers, one pair per row) that are copies: alike enough, or the one
    nearly contained in the other (a cut or extended version)."""
    a, b = pairs[:, 0], pairs[:, 1]
    jaccard = np.mean(signatures.slots[a] == signatures.slots[b], axis=1)
    size_a, size_b = signatures.sizes[a], signatures.sizes[b]
    shorter = np.maximum(np.minimum(size_a, size_b), 1)
    contained = jaccard * (size_a + size_b) / ((1 + jaccard) * shorter)
    alike = (jaccard >= threshold) | ((contained >= CONTAINED) & (jaccard >= CONTAINED_FLOOR))
    return pairs[alike]


def group_copies(store: GroupStore, threshold: float, days: int) -> int:
    """Give every ungrouped article its copy group; returns how many were grouped.

    Two articles are copies when their signatures agree in ``threshold`` of their slots (or
    the shorter text is nearly all in the longer) and they were published at most ``days``
    apart, or one is undated: the same template report or one-line flash on another day is
    another article, not a copy."""
    ungrouped = np.fromiter(
        (num for (num,) in store.iter_rows("SELECT num FROM article WHERE copy_group IS NULL")),
        dtype=np.int64,
    )
    if not len(ungrouped):
        return 0
    signatures = _Signatures(store)
    fresh = np.zeros(len(signatures.present), dtype=bool)
    fresh[ungrouped] = True
    links = _Components()
    window = days * DAY_SECONDS
    for pairs in _candidate_pairs(signatures, fresh & signatures.present, window):
        for a, b in copies_among(pairs, signatures, threshold).tolist():
            links.union(a, b)
    del signatures
    _name_groups(store, fresh, ungrouped, links)
    return len(ungrouped)


def _candidate_pairs(signatures: _Signatures, fresh: np.ndarray, window: int) -> Iterator:
    """Every pair of bucket mates that involves a fresh article and is close enough in time,
    each pair once, a few million at a time."""
    nums = np.flatnonzero(signatures.present)
    keys = signatures.keys
    for slot in range(BUCKET_SLOTS):
        values = signatures.keys[nums, slot]
        if not fresh.all():  # only the buckets that hold a fresh article
            wanted = np.isin(values, values[fresh[nums]])
            members, values = nums[wanted], values[wanted]
        else:
            members = nums
        order = np.argsort(values, kind="stable")
        members, values = members[order], values[order]
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        sizes = np.diff(np.r_[starts, len(values)])
        keep = (sizes > 1) & (sizes <= MAX_BUCKET)
        starts, sizes = starts[keep], sizes[keep]
        for lo, hi in _batches(sizes):
            pairs = _pairs_within(members, starts[lo:hi], sizes[lo:hi])
            a, b = pairs[:, 0], pairs[:, 1]
            ta, tb = signatures.times[a], signatures.times[b]
            near = np.isnan(ta) | np.isnan(tb) | (np.abs(ta - tb) <= window)
            wanted = near & (fresh[a] | fresh[b])
            if slot:  # a pair that shares an earlier slot was made there
                wanted &= ~(keys[a, :slot] == keys[b, :slot]).any(axis=1)
            pairs = pairs[wanted]
            for start in range(0, len(pairs), COMPARE_CHUNK):
                yield pairs[start : start + COMPARE_CHUNK]


def _batches(sizes: np.ndarray) -> Iterator[tuple[int, int]]:
    """Runs of buckets whose pairs add up to about ``PAIRS_HELD``."""
    counts = np.cumsum(sizes * (sizes - 1) // 2)
    lo = 0
    while lo < len(sizes):
        base = counts[lo - 1] if lo else 0
        hi = max(int(np.searchsorted(counts, base + PAIRS_HELD, side="right")), lo + 1)
        yield lo, hi
        lo = hi


def _pairs_within(members: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """All pairs of members inside each bucket (``members[start : start + size]``)."""
    first = np.repeat(starts, sizes) + _ranks(sizes)  # every position of every bucket
    partners = np.repeat(starts + sizes, sizes) - first - 1  # later positions in its bucket
    left = np.repeat(first, partners)
    right = left + 1 + _ranks(partners)
    return np.stack([members[left], members[right]], axis=1)


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... count-1 for each count, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _name_groups(
    store: GroupStore, fresh: np.ndarray, ungrouped: np.ndarray, links: _Components
) -> None:
    """Each component's group is its founder's number: the earliest of its new members and of
    the founders of the groups it joins (which are renamed when they merge into another). The
    members of merged groups have their stories decided again: a copy joins its copies' story.
    An ungrouped article linked to nothing is a group of its own."""
    founders = ungrouped.copy()  # by position in ungrouped: its group's number
    renames: list[tuple[int, int]] = []
    merged: list[tuple[int]] = []
    position = {int(n): i for i, n in enumerate(ungrouped.tolist()) if n in links.parent}
    for nums in links.groups().values():
        new = [n for n in nums if fresh[n]]
        if not new:
            continue
        known = [n for n in nums if not fresh[n]]
        joined = sorted({m.copy_group for m in _members(store, known)} - {None})
        founder = min(_members(store, new + joined), key=lambda m: m.order)
        founders[[position[n] for n in new]] = founder.num
        renames.extend((founder.num, old) for old in joined if old != founder.num)
        if len(joined) > 1:
            merged.extend((old,) for old in joined)
    store.db.executemany(
        "UPDATE article SET copy_group = ? WHERE num = ?",
        zip(founders.tolist(), ungrouped.tolist(), strict=True),
    )
    store.db.executemany("UPDATE article SET story = NULL WHERE copy_group = ?", merged)
    store.db.executemany("UPDATE article SET copy_group = ? WHERE copy_group = ?", renames)


def _members(store: GroupStore, nums: list[int]) -> list[Member]:
    sql = f"SELECT {MEMBER_COLUMNS} FROM article WHERE num IN ({{marks}})"
    return [Member(*row) for row in store.rows_in(sql, nums)]
