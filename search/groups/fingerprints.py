"""What grouping keeps of an article: a MinHash signature of its text's shingles (for copies)
and its lead terms (for stories), made once when the article is indexed.

Shingles are runs of ``SHINGLE_TERMS`` index terms (stemmed, stop words dropped), so a re-sent
copy whose only changes are punctuation, case or a "the" still shares every shingle. The
signature is rensa's R-MinHash (a Rust MinHash, measured much faster than datasketch here: see
benchmarks/RESULTS.md, "Stories"): ``NUM_PERM`` 32-bit slots, whose share of equal slots
estimates the Jaccard similarity of two shingle sets. The first ``BUCKET_SLOTS`` slots are also
bucket keys: two articles become candidates when any of them is equal, which finds a pair of
Jaccard J with probability 1 - (1 - J) ** BUCKET_SLOTS (0.99 at J = 0.45). The number of
shingles is kept too: with the Jaccard estimate it gives the containment of the shorter text in
the longer, which is how a cut or extended version is told from a merely similar text.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

if typing.TYPE_CHECKING:
    import numpy as np

SHINGLE_TERMS = 3
NUM_PERM = 64
SEED = 1987
BUCKET_SLOTS = 8
LEAD_TERMS = 40  # the first body terms a story is recognised by, after the title's


def algorithm_version() -> str:
    """Changes whenever stored signatures stop being comparable with new ones: the library's
    algorithm (rensa 0.5 changed it once) or our shingles."""
    from rensa import RMinHash

    return f"rminhash{RMinHash.ALGORITHM_VERSION}-k{SHINGLE_TERMS}-p{NUM_PERM}-s{SEED}-b16"


@dataclass(frozen=True, slots=True)
class Fingerprint:
    # BUCKET_SLOTS whole slots (uint32), the low 16 bits of all NUM_PERM slots, then the
    # number of distinct shingles (uint32), little endian; None: no words to compare
    signature: bytes | None
    lead: str  # title terms, then the first LEAD_TERMS body terms, space-separated


def shingles(terms: list[str]) -> list[str]:
    if len(terms) <= SHINGLE_TERMS:
        return [" ".join(terms)] if terms else []
    return list(map(" ".join, zip(*(terms[i:] for i in range(SHINGLE_TERMS)), strict=False)))


def fingerprint(title_terms: str, body_terms: str) -> Fingerprint:
    """The article's fingerprint from its index terms (what the indexer already made). Copies
    compare the text: the body, or the title when there is no body."""
    import numpy as np  # imported when grouping runs, not when a command starts
    from rensa import RMinHash

    body = body_terms.split()
    title = title_terms.split()
    text = body or title
    signature = None
    if text:
        sketch = RMinHash(num_perm=NUM_PERM, seed=SEED)
        pieces = shingles(text) + (["title " + t for t in shingles(title)] if body else [])
        sketch.update(pieces)
        slots = np.asarray(sketch.digest(), dtype="<u4")
        count = np.asarray([len(set(pieces))], dtype="<u4")
        signature = slots[:BUCKET_SLOTS].tobytes() + slots.astype("<u2").tobytes() + count.tobytes()
    if title and body[: len(title)] == title:
        body = body[len(title) :]  # a page that repeats its headline as its first line
    return Fingerprint(signature, " ".join(title + body[:LEAD_TERMS]))


def signature_slots(signature: bytes) -> np.ndarray:
    """The NUM_PERM slots that are compared: their low 16 bits (8 bits measured one more wrong
    pair in 800 on the labelled Reuters pairs, for 13% less file)."""
    import numpy as np

    return np.frombuffer(signature, dtype="<u2", offset=BUCKET_SLOTS * 4, count=NUM_PERM)


def shingle_count(signature: bytes) -> int:
    import numpy as np

    return int(np.frombuffer(signature, dtype="<u4", offset=len(signature) - 4)[0])
