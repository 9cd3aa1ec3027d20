"""A news relevance check made from Reuters-21578's topic labels: a stand-in for judged news.

The four relevance collections are abstracts of science papers, not news. Reuters-21578 labels
each story with the topics it is about (``cocoa``, ``money-supply``, ``acq``...). Each query
below is what a researcher might type to find a topic's coverage, written once, before any
system was run on it, and never changed to suit one; an article is relevant when the editors
gave it the topic. The labels are incomplete (a story may touch a topic it was not given), so
the figures are lower bounds alike for every system, good for comparing them, not as absolutes.

    python benchmarks/relevance.py --news ../shared/corpora/reuters21578/reuters21578.jsonl.gz
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

# (topic, query). Short queries, as people type them, and a few questions.
QUERIES = [
    ("cocoa", "cocoa prices"),
    ("coffee", "coffee export quotas"),
    ("sugar", "sugar crop"),
    ("crude", "crude oil prices"),
    ("nat-gas", "natural gas"),
    ("gold", "gold mine"),
    ("copper", "copper price"),
    ("tin", "tin council"),
    ("alum", "aluminium smelter"),
    ("zinc", "zinc"),
    ("silver", "silver prices"),
    ("rubber", "natural rubber agreement"),
    ("wheat", "wheat exports"),
    ("corn", "corn harvest"),
    ("rice", "rice production"),
    ("barley", "barley"),
    ("soybean", "soybean exports"),
    ("cotton", "cotton crop"),
    ("orange", "orange juice"),
    ("livestock", "cattle and hog markets"),
    ("veg-oil", "vegetable oil"),
    ("palm-oil", "palm oil"),
    ("grain", "grain shipments to the Soviet Union"),
    ("ship", "shipping strike at ports"),
    ("iron-steel", "steel industry"),
    ("interest", "interest rates cut"),
    ("money-fx", "currency markets intervention"),
    ("money-supply", "money supply growth"),
    ("dlr", "dollar exchange rate"),
    ("yen", "yen"),
    ("trade", "trade deficit"),
    ("bop", "balance of payments"),
    ("reserves", "foreign exchange reserves"),
    ("gnp", "economic growth gross national product"),
    ("cpi", "consumer prices inflation"),
    ("jobs", "unemployment rate"),
    ("ipi", "industrial production"),
    ("retail", "retail sales"),
    ("housing", "housing starts"),
    ("acq", "takeover bid"),
    ("earn", "quarterly earnings"),
    ("pet-chem", "petrochemical plant"),
    ("strategic-metal", "strategic metals"),
    ("heat", "heating oil"),
    ("carcass", "meat and poultry"),
    ("oilseed", "what is happening to oilseed crops"),
    ("fuel", "fuel oil"),
    ("wpi", "wholesale prices"),
]


def make_collection(corpus: Path, folder: Path) -> Path:
    """``docs.jsonl``, ``queries.jsonl`` and ``qrels.txt`` in ``folder``, in the form of the
    other collections."""
    folder.mkdir(parents=True, exist_ok=True)
    topics = {topic for topic, _ in QUERIES}
    relevant: dict[str, list[str]] = {topic: [] for topic in topics}
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as lines, open(folder / "docs.jsonl", "w") as out:
        for line in lines:
            record = json.loads(line)
            doc = {k: record.get(k) for k in ("id", "title", "body", "date", "source")}
            out.write(json.dumps(doc) + "\n")
            for topic in record.get("topics") or ():
                if topic in topics:
                    relevant[topic].append(record["id"])
    with open(folder / "queries.jsonl", "w") as out:
        for topic, text in QUERIES:
            out.write(json.dumps({"qid": topic, "text": text}) + "\n")
    with open(folder / "qrels.txt", "w") as out:
        for topic, ids in relevant.items():
            out.writelines(f"{topic} 0 {doc_id} 1\n" for doc_id in ids)
    return folder
