"""Article extraction from news pages: Morgue's own rules beside trafilatura, on pages with the
clutter sites put around an article (``tests/pages.py``: menus, cookie banners, related and
most-read lists, newsletter boxes, comments, footers, in four layouts).

    python benchmarks/extraction.py [CORPUS.jsonl.gz] [--pages 200]

For each page: the share of the article's words the extracted text keeps (recall), the share of
the extracted words that are the article's (precision), how many pages let a clutter word in,
and whether title, author, date and site name came out right. Stories come from the corpus
(Reuters-21578 by default, when present) or from the test pages' own.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.ingest import extract  # noqa: E402
from search.ingest.base import parse_html  # noqa: E402
from search.ingest.extract import page_fields  # noqa: E402
from tests.pages import CLUTTER_WORDS, LAYOUTS, Story  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "reuters21578" / "reuters21578.jsonl.gz"
WORD = re.compile(r"\w+")


def stories(corpus: Path, count: int) -> list[Story]:
    found = []
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            paragraphs = [" ".join(p.split()) for p in record["body"].split("\n    ") if p.strip()]
            if len(paragraphs) < 3 or not record.get("title"):
                continue
            n = len(found)
            found.append(
                Story(
                    title=record["title"].title(),
                    paragraphs=tuple(paragraphs),
                    author=f"Jane Writer{n % 7}",
                    published=record["date"],
                    site="Example News",
                    url=f"https://news.example.com/2025/story-{n}",
                )
            )
            if len(found) == count:
                break
    return found


def morgue(page: str) -> dict:
    fields = page_fields(page)
    return {
        "title": fields["title"],
        "text": fields["body"],
        "author": fields["author"],
        "date": fields["published"][:10],
        "site": fields["source"],
    }


def rules_only(page: str) -> dict:
    """Morgue's own rules for the text (what it used before trafilatura), today's metadata."""
    return {**morgue(page), "text": extract._rules_text(parse_html(page))}


def trafilatura_fields(page: str) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"min_date": "1900-01-01"},
    )
    if doc is None:
        return {"title": "", "text": "", "author": "", "date": "", "site": ""}
    return {
        "title": doc.title or "",
        "text": doc.text or "",
        "author": doc.author or "",
        "date": (doc.date or "")[:10],
        "site": doc.sitename or "",
    }


EXTRACTORS = {
    "own rules (BeautifulSoup)": rules_only,
    "trafilatura alone": trafilatura_fields,
    "Morgue (both)": morgue,
}


def measure(extract, pages: list[tuple[str, Story, str]]) -> dict:
    recall, precision, seconds = [], [], 0.0
    clutter: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for _layout, story, page in pages:
        started = time.perf_counter()
        got = extract(page)
        seconds += time.perf_counter() - started
        truth = Counter(w.lower() for p in story.paragraphs for w in WORD.findall(p))
        found = Counter(w.lower() for w in WORD.findall(got["text"]))
        kept = sum((truth & found).values())
        recall.append(kept / max(sum(truth.values()), 1))
        precision.append(kept / max(sum(found.values()), 1))
        for kind, word in CLUTTER_WORDS.items():
            if word in found:
                clutter[kind] += 1
        right["title"] += got["title"].strip() == story.title
        right["author"] += story.author in got["author"]
        right["date"] += got["date"] == story.published
        right["site"] += got["site"] == story.site
    return {
        "recall": statistics.mean(recall),
        "precision": statistics.mean(precision),
        "clutter": dict(clutter),
        "right": dict(right),
        "ms per page": 1000 * seconds / len(pages),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args(argv)
    picked = stories(args.corpus, max(1, args.pages // len(LAYOUTS)))
    pages = [(name, s, make(s)) for s in picked for name, make in LAYOUTS.items()]
    print(f"{len(pages)} pages ({len(picked)} stories x {len(LAYOUTS)} layouts)")
    for layout in [None, *LAYOUTS]:
        chosen = [p for p in pages if layout is None or p[0] == layout]
        print(f"\n{layout or 'all layouts'}:")
        print(
            f"  {'':30} {'recall':>7} {'precis.':>7} {'title':>6} {'author':>6} {'date':>6} "
            f"{'site':>6} {'ms/page':>8}  clutter kept (pages)"
        )
        for label, extractor in EXTRACTORS.items():
            m = measure(extractor, chosen)
            n = len(chosen)
            right = {
                k: f"{m['right'].get(k, 0) / n:6.0%}" for k in ("title", "author", "date", "site")
            }
            print(
                f"  {label:30} {m['recall']:7.3f} {m['precision']:7.3f} {right['title']} "
                f"{right['author']} {right['date']} {right['site']} {m['ms per page']:8.1f}  "
                f"{m['clutter'] or 'none'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
