"""rensa and datasketch side by side: MinHash signatures of the same word shingles, timed, and how
well each estimates the Jaccard similarity of labelled copy pairs.

    python benchmarks/minhash_libraries.py CORPUS.jsonl[.gz] [--perm 64]

Both libraries get the shingles Morgue makes (3 analysed terms of the body) of every article, and
the same number of permutations. Needs ``pip install datasketch`` (the bench extra).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.workload import load_docs  # noqa: E402
from search.analysis import index_text  # noqa: E402
from search.groups.fingerprints import shingles  # noqa: E402


def rensa_signatures(texts: list[list[str]], perm: int) -> np.ndarray:
    from rensa import RMinHash

    rows = []
    for pieces in texts:
        sketch = RMinHash(num_perm=perm, seed=1987)
        sketch.update(pieces)
        rows.append(sketch.digest())
    return np.asarray(rows, dtype=np.uint64)


def datasketch_signatures(texts: list[list[str]], perm: int) -> np.ndarray:
    from datasketch import MinHash

    rows = []
    for pieces in texts:
        sketch = MinHash(num_perm=perm, seed=1987)
        sketch.update_batch([p.encode("utf-8") for p in pieces])
        rows.append(sketch.hashvalues)
    return np.asarray(rows, dtype=np.uint64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--perm", type=int, default=64)
    args = parser.parse_args(argv)
    docs = load_docs(args.corpus)
    texts = [shingles((index_text(d.body) or index_text(d.title)).split()) for d in docs]
    texts = [t or ["-"] for t in texts]
    shingle_sets = [set(t) for t in texts]
    row = {d.id: n for n, d in enumerate(docs)}
    with open(ROOT / "benchmarks/labels/reuters_copies.tsv", newline="", encoding="utf-8") as f:
        pairs = [(row[r["a"]], row[r["b"]]) for r in csv.DictReader(f, delimiter="\t")]
    exact = np.array(
        [
            len(shingle_sets[a] & shingle_sets[b]) / len(shingle_sets[a] | shingle_sets[b])
            for a, b in pairs
        ]
    )
    print(f"{len(docs):,} articles, {sum(map(len, texts)):,} shingles, {args.perm} permutations")
    for name, make in (("rensa", rensa_signatures), ("datasketch", datasketch_signatures)):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            signatures = make(texts, args.perm)
            runs.append(time.perf_counter() - started)
        seconds = statistics.median(runs)
        estimate = np.array([np.mean(signatures[a] == signatures[b]) for a, b in pairs])
        error = np.abs(estimate - exact)
        print(
            f"{name:<11} {seconds:6.2f} s ({seconds / len(docs) * 1e6:5.1f} µs an article, "
            f"median of 3)  Jaccard error on {len(pairs):,} labelled pairs: "
            f"mean {error.mean():.3f}, 95th percentile {np.percentile(error, 95):.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
