"""Do NLTK's Snowball English stemmer and tantivy's built-in one stem a corpus's words alike?

    python benchmarks/stemmers.py CORPUS.jsonl[.gz] [--show 50]

Both implement the Snowball English (Porter2) algorithm. Morgue feeds both engines the stems our
own analyzer makes (NLTK's), so a difference here can never make the engines disagree; this
script says how far tantivy's own analysis would have drifted, word by word.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tantivy  # noqa: E402

from benchmarks.workload import load_docs  # noqa: E402
from search.analysis import _TOKEN, STOP_WORDS, normalize_word, stem_english  # noqa: E402


def vocabulary(corpus: Path) -> Counter[str]:
    """Every normalised, non-stop word of the corpus with its number of occurrences."""
    words: Counter[str] = Counter()
    for doc in load_docs(corpus):
        for token in _TOKEN.findall(doc.title + "\n" + doc.body):
            word = normalize_word(token)
            if word and word not in STOP_WORDS:
                words[word] += 1
    return words


def tantivy_stems(words: list[str]) -> list[str]:
    stemmer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
    return [stemmer.analyze(word)[0] for word in words]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--show", type=int, default=50, help="differences to list")
    args = parser.parse_args(argv)
    words = vocabulary(args.corpus)
    ordered = sorted(words)
    theirs = tantivy_stems(ordered)
    differ = [(w, stem_english(w), t) for w, t in zip(ordered, theirs, strict=True)]
    differ = [row for row in differ if row[1] != row[2]]
    occurrences = sum(words[w] for w, _, _ in differ)
    print(
        f"{len(ordered):,} distinct words ({sum(words.values()):,} occurrences): "
        f"{len(differ):,} stem differently ({occurrences:,} occurrences, "
        f"{occurrences / max(1, sum(words.values())):.4%})"
    )
    if differ:
        print(f"\n{'word':24}{'NLTK':18}{'tantivy':18}occurrences")
        for word, ours, other in sorted(differ, key=lambda r: -words[r[0]])[: args.show]:
            print(f"{word:24}{ours:18}{other:18}{words[word]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
