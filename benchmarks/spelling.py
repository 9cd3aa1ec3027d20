"""What "did you mean" costs and how often it is right, on a real corpus.

    python benchmarks/spelling.py cost CORPUS.jsonl[.gz] [--engine tantivy|whoosh]
    python benchmarks/spelling.py quality CORPUS.jsonl[.gz] [--engine tantivy|whoosh] [--words N]

``cost`` builds the corpus twice in one run, alternating, with the vocabulary counted and with
its counting switched off, and prints both build times (the peer is the same build without it).
``quality`` builds it once, takes N common written words of six letters or more from the first
3,000 articles, misspells each by one edit (a letter dropped, two neighbours swapped or a vowel
changed; seeded), keeps those the archive does not hold, and counts how often the suggestion is
the original word (its index term), another word, or nothing; then checks that no correctly
spelt word among them gets a suggestion.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import search.indexer as indexer  # noqa: E402
from search.analysis import STOP_WORDS, analyze_terms  # noqa: E402
from search.archive import open_archive  # noqa: E402
from search.searching import run_search  # noqa: E402
from search.types import SearchRequest  # noqa: E402
from search.vocabulary import VocabularyBuilder  # noqa: E402


class _Uncounted(VocabularyBuilder):
    def stage(self, written) -> None:  # the same build with the vocabulary left empty
        pass


def cost(corpus: Path, engine: str, rounds: int = 2) -> None:
    for round_ in range(rounds):
        for label, builder in (("with vocabulary", VocabularyBuilder), ("without", _Uncounted)):
            indexer.VocabularyBuilder = builder
            work = Path(tempfile.mkdtemp(prefix="morgue-spelling-"))
            started = time.perf_counter()
            indexer.update_index(work / "index", [corpus], engine=engine)
            print(f"round {round_ + 1} {label:16} {time.perf_counter() - started:6.1f} s")
            shutil.rmtree(work)
    indexer.VocabularyBuilder = VocabularyBuilder


def misspelt(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("drop", "swap", "vowel"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice([v for v in "aeiou" if v != word[i]]) + word[i + 1 :]


def quality(corpus: Path, engine_name: str, words: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="morgue-spelling-"))
    try:
        indexer.update_index(work / "index", [corpus], engine=engine_name)
        with open_archive(work / "index") as engine:
            written: Counter[str] = Counter()
            for number, article in enumerate(engine.iter_articles()):
                if number >= 3000:
                    break
                written.update(re.findall(r"\b[A-Za-z]{6,}\b", article.body))
            common = [w for w, _ in written.most_common(words * 3) if w.lower() not in STOP_WORDS]
            rng = random.Random(7)
            right = other = none = 0
            for word in rng.sample(common, min(words, len(common))):
                typo = misspelt(word, rng)
                term = analyze_terms(typo)
                if not term or engine.doc_frequency("body", term[0]):
                    continue
                found = run_search(engine, SearchRequest(query=typo)).suggestion
                if found is None:
                    none += 1
                elif analyze_terms(found[0]) == analyze_terms(word):
                    right += 1
                else:
                    other += 1
                    print(f"  {typo!r} -> {found[0]!r} (meant {word!r})")
            correct = sum(
                1 for w in common[:words] if run_search(engine, SearchRequest(query=w)).suggestion
            )
        tried = right + other + none
        print(
            f"{engine_name}: {tried} misspellings: {right} right ({right / tried:.1%}), "
            f"{other} another word, {none} none; correct words with a suggestion: "
            f"{correct} of {min(words, len(common))}"
        )
    finally:
        shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("cost", "quality"))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--engine", choices=("tantivy", "whoosh"), default="tantivy")
    parser.add_argument("--words", type=int, default=200)
    args = parser.parse_args()
    if args.what == "cost":
        cost(args.corpus, args.engine)
    else:
        quality(args.corpus, args.engine, args.words)


if __name__ == "__main__":
    main()
