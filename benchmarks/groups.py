"""How well and at what cost Morgue groups copies and stories, on labelled Reuters-21578 pairs.

    python benchmarks/groups.py quality CORPUS.jsonl[.gz] [--engine whoosh|tantivy]
                                        [--copy 0.5,0.6] [--copy-days 1,3] [--story 0.4,0.5]
    python benchmarks/groups.py cost CORPUS.jsonl[.gz] [--scale N] [--engine tantivy]

``quality`` indexes the corpus once, then groups it again under each combination of settings
and prints precision and recall of the labelled pairs in ``benchmarks/labels`` (how they were
labelled: benchmarks/labels/README.md), and checks the seeds. ``cost`` builds the corpus
(``--scale`` copies of it) in a child process and splits its time into grouping and the rest,
with the peak memory of the whole run, then adds 1% new articles twice (the newest, then 1%
spread over all dates) and times those runs.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "benchmarks" / "labels"
sys.path.insert(0, str(ROOT))

from benchmarks.run import run_measured  # noqa: E402
from benchmarks.workload import scaled_corpus  # noqa: E402
from search.groups.builder import GroupingSettings  # noqa: E402
from search.groups.store import GroupStore  # noqa: E402
from search.indexer import update_index  # noqa: E402
from search.regroup import regroup_index  # noqa: E402

BUILD_SCRIPT = (
    "import json, sys; from search.indexer import update_index; "
    "r = update_index(sys.argv[1], sys.argv[2:], engine={engine!r}); "
    "print(json.dumps({{'added': r.added, 'seconds': r.seconds, "
    "'grouping': r.groups.seconds, 'grouped': r.groups.copies}}))"
)


# ------------------------------------------------------------------------------------- quality


def read_labels(name: str) -> list[dict]:
    with open(LABELS / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def groups_by_id(index: Path) -> dict[str, tuple[str, str]]:
    """Article id -> (copy group, story), both named by their first article's id."""
    store = GroupStore.of_index(index, readonly=True)
    try:
        rows = store.rows(
            "SELECT a.id, c.id, s.id FROM article a LEFT JOIN article c ON c.num = a.copy_group "
            "LEFT JOIN article s ON s.num = a.story"
        )
    finally:
        store.close()
    return {article: (copy_group, story) for article, copy_group, story in rows}


def pair_scores(pairs: list[dict], together, positive: str, subset=lambda _row: True) -> dict:
    """Precision and recall of grouping ``together`` against the labelled ``pairs``."""
    tp = fp = fn = 0
    for row in pairs:
        if not subset(row):
            continue
        grouped = together(row["a"], row["b"])
        if row["label"] == positive:
            tp += grouped
            fn += not grouped
        else:
            fp += grouped
    return {
        "grouped": tp + fp,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "positives": tp + fn,
    }


# How many story candidates each similarity band holds (benchmarks/labels/README.md): the
# sample has 34 pairs per band, so each sampled pair stands for band size / pairs sampled.
STORY_BANDS = [
    (0.15, 144_908),
    (0.2, 76_415),
    (0.25, 32_621),
    (0.3, 17_461),
    (0.4, 4_420),
    (0.5, 2_153),
    (0.6, 1_074),
    (0.7, 531),
    (0.8, 376),
]


def story_weights(pairs: list[dict]) -> dict[tuple[str, str], float]:
    """Weights that turn the stratified story sample into estimates for all candidates (the
    shared-name sample, drawn apart, is left out of the weighted figures)."""

    def band(row: dict) -> float:
        similarity = float(row["similarity"])
        return max(lower for lower, _ in STORY_BANDS if similarity >= lower or lower == 0.15)

    sampled = [row for row in pairs if "shared-name sample" not in row["note"]]
    counts: dict[float, int] = {}
    for row in sampled:
        counts[band(row)] = counts.get(band(row), 0) + 1
    size = dict(STORY_BANDS)
    return {(row["a"], row["b"]): size[band(row)] / counts[band(row)] for row in sampled}


def weighted_scores(pairs: list[dict], together, weights: dict) -> dict:
    tp = fp = fn = 0.0
    for row in pairs:
        weight = weights.get((row["a"], row["b"]))
        if weight is None:
            continue
        grouped = together(row["a"], row["b"])
        if row["label"] == "same":
            tp += weight * grouped
            fn += weight * (not grouped)
        else:
            fp += weight * grouped
    return {
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
    }


def grouped_pairs(groups: dict[str, tuple[str, str]], level: int) -> int:
    sizes: dict[str, int] = {}
    for value in groups.values():
        if value[level]:
            sizes[value[level]] = sizes.get(value[level], 0) + 1
    return sum(n * (n - 1) // 2 for n in sizes.values())


def measure_quality(index: Path, copies: list[dict], stories: list[dict]) -> dict:
    groups = groups_by_id(index)

    def same(level: int):
        def together(a: str, b: str) -> bool:
            ga, gb = groups.get(a), groups.get(b)
            return bool(ga and gb and ga[level] == gb[level])

        return together

    sizes: dict[str, int] = {}
    for _copy, story in groups.values():
        sizes[story] = sizes.get(story, 0) + 1
    return {
        "copies": pair_scores(copies, same(0), "copy"),
        "copies_most_text": pair_scores(
            copies, same(0), "copy", lambda row: float(row["containment"]) >= 0.8
        ),
        # the labels call timed market snapshots (11:20 vs 11:40) different articles, a
        # convention a product may not share: precision without those pairs
        "copies_no_snapshots": pair_scores(
            copies, same(0), "copy", lambda row: "snapshot" not in row["note"]
        ),
        "stories": pair_scores(stories, same(1), "same"),
        "stories_weighted": weighted_scores(stories, same(1), story_weights(stories)),
        "copy_groups": len({g[0] for g in groups.values()}),
        "copy_pairs": grouped_pairs(groups, 0),
        "stories_count": len(sizes),
        "story_pairs": grouped_pairs(groups, 1),
        "largest_story": max(sizes.values(), default=0),
    }


def seeds_check(work: Path) -> str:
    index = work / "seeds-index"
    update_index(index, [ROOT / "seeds"])
    groups = groups_by_id(index)
    copy_groups = {g[0] for g in groups.values()}
    story_ids = {g[1] for g in groups.values()}
    ok = len(groups) == 2 and len(copy_groups) == 2 and len(story_ids) == 1
    return f"{len(groups)} articles, {len(copy_groups)} copy groups, {len(story_ids)} stories: " + (
        "as expected" if ok else "NOT as expected (one story, two copy groups)"
    )


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def quality(args) -> int:
    copies, stories = read_labels("reuters_copies.tsv"), read_labels("reuters_stories.tsv")
    with tempfile.TemporaryDirectory(prefix="morgue-groups-") as tmp:
        work = Path(tmp)
        print("seeds:", seeds_check(work))
        index = work / "index"
        started = time.perf_counter()
        report = update_index(index, [args.corpus], engine=args.engine)
        print(
            f"indexed {report.added:,} articles ({args.engine}) in "
            f"{time.perf_counter() - started:.1f} s, grouping {report.groups.seconds:.1f} s"
        )
        header = (
            f"{'copy':>5} {'days':>4} {'story':>5} | {'copy P':>6} {'P¬snap':>6} {'copy R':>6} "
            f"{'R c≥.8':>6} "
            f"{'pairs':>7} | {'story P':>7} {'story R':>7} {'wP':>5} {'wR':>5} {'pairs':>8} "
            f"{'stories':>7} {'largest':>7} | {'s':>5}"
        )
        print(header)
        print("-" * len(header))
        rows = []
        for copy_t, copy_days, story_t in itertools.product(
            floats(args.copy), [int(d) for d in floats(args.copy_days)], floats(args.story)
        ):
            settings = GroupingSettings(
                copy_threshold=copy_t,
                copy_days=copy_days,
                story_threshold=story_t,
                story_days=args.story_days,
            )
            started = time.perf_counter()
            regroup_index(index, settings)
            seconds = time.perf_counter() - started
            q = measure_quality(index, copies, stories)
            rows.append({"settings": settings.__dict__, "seconds": seconds, **q})
            c, m, s, w = q["copies"], q["copies_most_text"], q["stories"], q["stories_weighted"]
            print(
                f"{copy_t:>5.2f} {copy_days:>4} {story_t:>5.2f} | {c['precision']:>6.3f} "
                f"{q['copies_no_snapshots']['precision']:>6.3f} "
                f"{c['recall']:>6.3f} {m['recall']:>6.3f} {q['copy_pairs']:>7,} | "
                f"{s['precision'] or 0:>7.3f} {s['recall'] or 0:>7.3f} {w['precision'] or 0:>5.2f} "
                f"{w['recall'] or 0:>5.2f} {q['story_pairs']:>8,} "
                f"{q['stories_count']:>7,} {q['largest_story']:>7} | {seconds:>5.1f}"
            )
        print(
            f"\nlabelled: {c['positives']} copy pairs of {len(copies)}, "
            f"{s['positives']} same-story pairs of {len(stories)}; 'R c≥.8' is the recall of "
            "copy pairs whose smaller text shares at least 80% of its shingles with the other;\n"
            "wP and wR weigh the stratified story sample by the size of its similarity band "
            "(estimates for all candidate pairs, with wide error bars)"
        )
        if args.out:
            args.out.write_text(json.dumps(rows, indent=2))
    return 0


# ---------------------------------------------------------------------------------------- cost


def timed_build(index: Path, paths: list[Path], engine: str) -> dict:
    script = BUILD_SCRIPT.format(engine=engine)
    out, _seconds, peak_mb = run_measured([script, str(index), *map(str, paths)], poll=0.2)
    figures = json.loads(out.strip().splitlines()[-1])
    figures["peak_rss_mb"] = peak_mb
    return figures


def split_corpus(corpus: Path, work: Path, fraction: float = 0.01) -> tuple[Path, Path, Path]:
    """The corpus in three: the last ``fraction`` of its lines (the newest articles: how news
    usually arrives), every hundredth line of the rest (new articles spread over all dates:
    the worst case for stories, decided again from the earliest new one), and the remainder."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as source:
        total = sum(1 for _ in source)
    newest_from = total - round(total * fraction)
    step = round(1 / fraction)
    paths = work / "main.jsonl.gz", work / "newest.jsonl.gz", work / "spread.jsonl.gz"
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(opener(corpus, "rt", encoding="utf-8"))
        outs = [stack.enter_context(gzip.open(path, "wt", encoding="utf-8")) for path in paths]
        for n, line in enumerate(source):
            part = 1 if n >= newest_from else 2 if n % step == step - 1 else 0
            outs[part].write(line)
    return paths


def cost(args) -> int:
    with tempfile.TemporaryDirectory(prefix="morgue-groups-cost-") as tmp:
        work = Path(tmp)
        corpus = args.corpus
        if args.scale > 1:
            corpus = scaled_corpus(args.corpus, args.scale, work / "scaled.jsonl.gz")
        main, newest, spread = split_corpus(corpus, work)
        index = work / "index"
        build = timed_build(index, [main], args.engine)
        rest = build["seconds"] - build["grouping"]
        print(
            f"build of {build['added']:,} articles ({args.engine}): {build['seconds']:.1f} s, "
            f"of which grouping {build['grouping']:.1f} s = {build['grouping'] / rest:.1%} added "
            f"to the {rest:.1f} s of the rest; peak memory {build['peak_rss_mb']:.0f} MB"
        )
        figures = {"build": build}
        inputs = [main]
        for name, path in (("newest", newest), ("spread", spread)):
            inputs.append(path)
            run = timed_build(index, inputs, args.engine)
            rest = run["seconds"] - run["grouping"]
            print(
                f"adding {run['added']:,} articles (1%, {name}): {run['seconds']:.1f} s, of which "
                f"grouping {run['grouping']:.1f} s ({run['grouping'] / max(rest, 1e-9):.1%} added "
                f"to {rest:.1f} s); peak memory {run['peak_rss_mb']:.0f} MB"
            )
            figures[name] = run
        group_bytes = sum(p.stat().st_size for p in index.glob("groups.sqlite*"))
        index_bytes = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
        print(
            f"groups file {group_bytes / 1e6:.1f} MB of an index of {index_bytes / 1e6:.1f} MB "
            f"({group_bytes / max(build['added'], 1):.0f} bytes an article)"
        )
        if args.out:
            args.out.write_text(json.dumps(figures, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    q = commands.add_parser("quality", help="precision and recall on the labelled pairs")
    q.add_argument("corpus", type=Path)
    q.add_argument("--engine", default="whoosh", choices=["whoosh", "tantivy"])
    q.add_argument("--copy", default=str(GroupingSettings.copy_threshold))
    q.add_argument("--copy-days", default=str(GroupingSettings.copy_days))
    q.add_argument("--story", default=str(GroupingSettings.story_threshold))
    q.add_argument("--story-days", type=int, default=GroupingSettings.story_days)
    q.add_argument("--out", type=Path)
    c = commands.add_parser("cost", help="build and incremental time, memory, file size")
    c.add_argument("corpus", type=Path)
    c.add_argument("--scale", type=int, default=1)
    c.add_argument("--engine", default="tantivy", choices=["whoosh", "tantivy"])
    c.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    return quality(args) if args.command == "quality" else cost(args)


if __name__ == "__main__":
    raise SystemExit(main())
