#!/usr/bin/env python
"""Candidate pairs for the Morgue grouping benchmark, built from Reuters-21578.

Independent of Morgue's own grouping code: this script uses only the standard
library plus numpy/scipy.  It writes candidate pairs with exact measures; the
labels themselves are in reuters_copies.tsv / reuters_stories.tsv (see README.md).
No corpus text is written anywhere.

Usage:
  python make_candidates.py copies  OUTDIR   # all copy candidates + the labelling sample
  python make_candidates.py stories OUTDIR   # story candidates + the labelling sample
  python make_candidates.py show ID_A ID_B   # print a pair side by side (for reading)

Ids: "reuters21578-<NEWID>"; a pair (a, b) is ordered by numeric NEWID.
"""

import collections
import difflib
import gzip
import json
import math
import os
import random
import re
import sys
from datetime import date as _date

CORPUS = os.environ.get("REUTERS_JSONL", "/work/shared/corpora/reuters21578/reuters21578.jsonl.gz")

# ---- copy candidates -------------------------------------------------------
SHINGLE = 3  # word 3-shingles
MIN_SHINGLES = 8  # articles with fewer distinct shingles are skipped
MAX_DF = 300  # shingles in more than this many articles are boilerplate
# (not used to FIND pairs, but counted in the exact measures)
MIN_CONTAINMENT = 0.2
MIN_JACCARD = 0.1
READ_ALL_JACCARD = 0.3  # every pair at/above this is labelled
SAMPLE_SEED = 21578
SAMPLE_BELOW = 200  # pairs sampled below READ_ALL_JACCARD, stratified by containment
CONT_STRATA = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]

# ---- story candidates ------------------------------------------------------
LEAD_WORDS = 60
MAX_DAYS = 3
MIN_COSINE = 0.15
STORY_SEED = 1987
STORY_SAMPLE = 300
SIM_STRATA = [0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01]
NAME_SAMPLE = 100  # extra pairs whose titles share a ticker <XXX> or org tag

WORD = re.compile(r"\w+")


def load():
    rows = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
    return rows


def num(doc_id):
    return int(doc_id.rsplit("-", 1)[1])


def ordered(a, b):
    return (a, b) if num(a) < num(b) else (b, a)


def text_of(r):
    """Body; the title when the body is empty (BRIEF stories)."""
    return r["body"] if r["body"].strip() else r["title"]


def words(text):
    return WORD.findall(text.lower())


def shingles(ws):
    return {" ".join(ws[i : i + SHINGLE]) for i in range(len(ws) - SHINGLE + 1)}


def copy_candidates(rows):
    ids = [r["id"] for r in rows]
    sh_ids = {}
    sets = []
    skipped = 0
    for r in rows:
        s = shingles(words(text_of(r)))
        if len(s) < MIN_SHINGLES:
            skipped += 1
            sets.append(None)
            continue
        sets.append(frozenset(sh_ids.setdefault(x, len(sh_ids)) for x in s))
    postings = collections.defaultdict(list)
    for i, s in enumerate(sets):
        if s is not None:
            for x in s:
                postings[x].append(i)
    boiler = {x for x, p in postings.items() if len(p) > MAX_DF}
    nboiler = [len(s & boiler) if s is not None else 0 for s in sets]
    pairs = []
    n_touch = 0
    for i, s in enumerate(sets):
        if s is None:
            continue
        cnt = collections.Counter()
        for x in s:
            if x in boiler:
                continue
            p = postings[x]
            if len(p) > 1:
                # postings are in increasing doc order; count partners j > i
                for j in p:
                    if j > i:
                        cnt[j] += 1
        n_touch += len(cnt)
        for j, c in cnt.items():
            t = sets[j]
            # upper bound on the true intersection (boilerplate shingles may add)
            ub = c + min(nboiler[i], nboiler[j])
            mn = min(len(s), len(t))
            if ub / mn < MIN_CONTAINMENT and ub / (len(s) + len(t) - ub) < MIN_JACCARD:
                continue
            inter = len(s & t)
            union = len(s) + len(t) - inter
            jac = inter / union
            con = inter / mn
            if con >= MIN_CONTAINMENT or jac >= MIN_JACCARD:
                a, b = ordered(ids[i], ids[j])
                pairs.append((a, b, jac, con, inter, len(s), len(t)))
    stats = dict(
        articles=len(rows),
        skipped_short=skipped,
        shingles=len(sh_ids),
        boilerplate_shingles=len(boiler),
        pairs_sharing_a_shingle=n_touch,
        candidates=len(pairs),
    )
    return pairs, stats, sets


# ---- labelling rules for copy candidates with Jaccard >= 0.3 -------------
SPOT_CHECK = 40  # pairs read from every rule-decided group
TEMPLATE_MIN_DATES = 3  # a title family recurring on >= 3 dates is a template report
FAR_DAYS = 4
TICK = re.compile(r"<([A-Z][A-Z0-9.]{0,7})>")


def title_norm(t):
    """Title with tickers removed and every figure replaced by '#'."""
    t = re.sub(r"<[^>]*>|\([A-Z.]+\)", "", t.upper())
    t = re.sub(r"\d[\d.,/:]*", "#", t)
    return " ".join(re.findall(r"[A-Z#]+", t))


def title_families(rows):
    fam = collections.defaultdict(set)
    for r in rows:
        if r["title"]:
            fam[title_norm(r["title"])].add(r["date"])
    return fam


def tickers(t):
    return {x.split(".")[0] for x in TICK.findall(t)}


def first_title_word(t):
    t = re.sub(r"<[^>]*>|\([^)]*\)", "", t.upper())
    ws = [
        w
        for w in re.findall(r"[A-Z0-9]+", t)
        if w not in ("CORRECTED", "CORRECTION", "RPT", "REPEAT", "FLASH", "THE")
    ]
    return ws[0] if ws else ""


def copy_rule(ra, rb, jac, fam):
    """Rule label for a pair, or '' when the pair has to be read.

    C_ident    identical normalised text, both >= 30 words, <= 2 days apart -> copy
    N_ticker   both titles carry a <TICKER>, they share none, and the first
               title word (company name) differs                           -> not
               (same first word: the pair is read)
    N_template same normalised title, recurring on >= 3 dates, >= 1 day apart -> not
    N_far      >= 4 days apart and Jaccard < 0.8                            -> not
    C_near     <= 1 day apart, Jaccard >= 0.9, title difflib ratio >= 0.8,
               title not a recurring family                                 -> copy
    """
    d = days(ra, rb)
    na, nb = norm_body(ra), norm_body(rb)
    if na == nb and min(len(na.split()), len(nb.split())) >= 30 and d <= 2:
        return "C_ident"
    ta, tb = tickers(ra["title"]), tickers(rb["title"])
    if ta and tb and not (ta & tb):
        # a ticker typo or a CORRECTED ticker must not make a copy look like two
        # companies: when the company name (first title word) agrees, read the pair
        if first_title_word(ra["title"]) != first_title_word(rb["title"]):
            return "N_ticker"
        return ""
    fa, fb = title_norm(ra["title"]), title_norm(rb["title"])
    recurring = fa == fb and len(fam[fa]) >= TEMPLATE_MIN_DATES
    if recurring and d >= 1:
        return "N_template"
    if d >= FAR_DAYS and jac < 0.8:
        return "N_far"
    tr = difflib.SequenceMatcher(
        None, " ".join(words(ra["title"])), " ".join(words(rb["title"]))
    ).ratio()
    if d <= 1 and jac >= 0.9 and tr >= 0.8 and not recurring:
        return "C_near"
    return ""


def norm_body(r):
    return " ".join(words(text_of(r)))


def copy_sample(pairs):
    """All pairs with Jaccard >= READ_ALL_JACCARD, plus a stratified random sample below."""
    rng = random.Random(SAMPLE_SEED)
    top = [p for p in pairs if p[2] >= READ_ALL_JACCARD]
    low = sorted(
        (p for p in pairs if p[2] < READ_ALL_JACCARD), key=lambda p: (num(p[0]), num(p[1]))
    )
    strata = collections.defaultdict(list)
    for p in low:
        for k in range(len(CONT_STRATA) - 1):
            if CONT_STRATA[k] <= p[3] < CONT_STRATA[k + 1]:
                strata[k].append(p)
                break
        else:
            strata[-1].append(p)  # containment < 0.2 (kept through Jaccard >= 0.1)
    keys = sorted(strata)
    per = SAMPLE_BELOW // len(keys) + 1
    sample = []
    for k in keys:
        g = strata[k]
        sample += rng.sample(g, min(per, len(g)))
    return top, sample, {k: len(v) for k, v in strata.items()}


def write_copies(outdir):
    rows = load()
    byid = {r["id"]: r for r in rows}
    pairs, stats, _ = copy_candidates(rows)
    pairs.sort(key=lambda p: (num(p[0]), num(p[1])))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "copy_candidates.tsv"), "w") as f:
        f.write("a\tb\tjaccard\tcontainment\tshared\tn_a\tn_b\tidentical_norm\tdays_apart\n")
        for a, b, jac, con, inter, na, nb in pairs:
            ra, rb = byid[a], byid[b]
            ident = int(norm_body(ra) == norm_body(rb))
            f.write(
                f"{a}\t{b}\t{jac:.4f}\t{con:.4f}\t{inter}\t{na}\t{nb}\t{ident}\t{days(ra, rb)}\n"
            )
    top, sample, strata = copy_sample(pairs)
    fam = title_families(rows)
    rng = random.Random(SAMPLE_SEED + 1)
    rules = {}
    for group in (top, sample):
        for p in group:
            rules[(p[0], p[1])] = copy_rule(byid[p[0]], byid[p[1]], p[2], fam)
    # spot-check sample of every rule-decided group (only pairs with Jaccard >= 0.3
    # are labelled by rule; the sample below 0.3 is read in full)
    check = set()
    for name in sorted({r for r in rules.values() if r}):
        g = [(p[0], p[1]) for p in top if rules[(p[0], p[1])] == name]
        check |= set(rng.sample(g, min(SPOT_CHECK, len(g))))
        if name == "N_ticker":  # riskiest corner: close in time and very similar
            check |= {
                (p[0], p[1])
                for p in top
                if rules[(p[0], p[1])] == name and p[2] >= 0.6 and days(byid[p[0]], byid[p[1]]) <= 1
            }
    with open(os.path.join(outdir, "copy_to_label.tsv"), "w") as f:
        f.write("a\tb\tjaccard\tcontainment\tsource\trule\tread\n")
        for src, group in (("jaccard>=0.3", top), ("sample<0.3", sample)):
            for a, b, jac, con, *_ in group:
                rule = rules[(a, b)]
                if src == "sample<0.3":
                    read = "read"  # every sampled pair is read
                elif not rule:
                    read = "read"  # no rule decides: read
                else:
                    read = "spot-check" if (a, b) in check else "rule"
                f.write(f"{a}\t{b}\t{jac:.4f}\t{con:.4f}\t{src}\t{rule}\t{read}\n")
    stats["rules_top"] = dict(collections.Counter(rules[(p[0], p[1])] or "none" for p in top))
    stats["spot_checks"] = len(check)
    stats.update(
        to_label_top=len(top),
        to_label_sample=len(sample),
        strata_below={str(CONT_STRATA[k]) if k >= 0 else "<0.2": v for k, v in strata.items()},
    )
    print(json.dumps(stats, indent=1))


# ---- stories ---------------------------------------------------------------
def days(ra, rb):
    if not ra.get("date") or not rb.get("date"):
        return ""
    return abs((_date.fromisoformat(ra["date"]) - _date.fromisoformat(rb["date"])).days)


def lead(r):
    return words(r["title"]) + words(r["body"])[:LEAD_WORDS]


TICKER = re.compile(r"<([A-Z][A-Z0-9.]{0,6})>")


def title_names(r):
    """Tickers written <XYZ> in the title, plus the orgs tags of the story."""
    names = {"ticker:" + t for t in TICKER.findall(r["title"])}
    try:
        orgs = json.loads(r["orgs"].replace("'", '"'))
    except Exception:
        orgs = []
    names |= {"org:" + o for o in orgs}
    return names


def story_candidates(rows, copy_labels):
    from scipy import sparse

    vocab = {}
    docs = [lead(r) for r in rows]
    df = collections.Counter()
    for ws in docs:
        df.update(set(ws))
    n = len(rows)
    idf = {w: math.log(n / c) for w, c in df.items()}
    data, ind, ptr = [], [], [0]
    for ws in docs:
        tf = collections.Counter(ws)
        vec = {vocab.setdefault(w, len(vocab)): (1 + math.log(c)) * idf[w] for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        for k, v in vec.items():
            ind.append(k)
            data.append(v / norm)
        ptr.append(len(ind))
    X = sparse.csr_matrix((data, ind, ptr), shape=(n, len(vocab)))
    # group by day, compare each day with itself and the next MAX_DAYS days
    dayno = {}
    for i, r in enumerate(rows):
        if r.get("date"):
            dayno.setdefault(_date.fromisoformat(r["date"]).toordinal(), []).append(i)
    out = []
    for d, idx in dayno.items():
        for dd in range(0, MAX_DAYS + 1):
            jdx = dayno.get(d + dd)
            if not jdx:
                continue
            S = (X[idx] @ X[jdx].T).tocoo()
            for a, b, v in zip(S.row, S.col, S.data, strict=True):
                i, j = idx[a], jdx[b]
                if v < MIN_COSINE or (dd == 0 and i >= j):
                    continue
                out.append((i, j, dd, float(v)))
    res = []
    for i, j, dd, v in out:
        a, b = ordered(rows[i]["id"], rows[j]["id"])
        cl = copy_labels.get((a, b))
        res.append((a, b, dd, v, cl))
    return res


def load_copy_info(labels_dir):
    """Copy labels + containment for every copy candidate (containment < 0.5 is allowed)."""
    info = {}
    cand = os.path.join(labels_dir, "copy_candidates.tsv")
    if os.path.exists(cand):
        with open(cand) as f:
            next(f)
            for line in f:
                a, b, jac, con = line.split("\t")[:4]
                info[(a, b)] = ["", float(con)]
    lab = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reuters_copies.tsv")
    if os.path.exists(lab):
        with open(lab) as f:
            next(f)
            for line in f:
                a, b, label = line.split("\t")[:3]
                info.setdefault((a, b), ["", 1.0])[0] = label
    return info


def write_stories(outdir):
    rows = load()
    byid = {r["id"]: r for r in rows}
    info = load_copy_info(outdir)
    cands = story_candidates(rows, info)
    kept = []
    excluded = 0
    for a, b, dd, v, ci in cands:
        if ci is not None:
            label, con = ci
            # exclude pairs that are copies (by label) or, when unlabelled, near-copies
            if label == "copy" or (label != "not" and con >= 0.5):
                excluded += 1
                continue
        kept.append((a, b, dd, v))
    kept.sort(key=lambda p: (num(p[0]), num(p[1])))
    with open(os.path.join(outdir, "story_candidates.tsv"), "w") as f:
        f.write("a\tb\tdays_apart\tsimilarity\n")
        for a, b, dd, v in kept:
            f.write(f"{a}\t{b}\t{dd}\t{v:.4f}\n")
    rng = random.Random(STORY_SEED)
    strata = collections.defaultdict(list)
    for p in kept:
        for k in range(len(SIM_STRATA) - 1):
            if SIM_STRATA[k] <= p[3] < SIM_STRATA[k + 1]:
                strata[k].append(p)
                break
    per = STORY_SAMPLE // len(strata) + 1
    sample = []
    for k in sorted(strata):
        sample += [(p, "sim-sample") for p in rng.sample(strata[k], min(per, len(strata[k])))]
    chosen = {(p[0], p[1]) for p, _ in sample}
    named = [
        p
        for p in kept
        if (p[0], p[1]) not in chosen and title_names(byid[p[0]]) & title_names(byid[p[1]])
    ]
    sample += [(p, "shared-name") for p in rng.sample(named, min(NAME_SAMPLE, len(named)))]
    with open(os.path.join(outdir, "story_to_label.tsv"), "w") as f:
        f.write("a\tb\tdays_apart\tsimilarity\tsource\n")
        for (a, b, dd, v), src in sample:
            f.write(f"{a}\t{b}\t{dd}\t{v:.4f}\t{src}\n")
    print(
        json.dumps(
            dict(
                story_pairs_within_window=len(cands),
                excluded_as_copy=excluded,
                candidates=len(kept),
                shared_name_pool=len(named),
                strata={str(SIM_STRATA[k]): len(v) for k, v in sorted(strata.items())},
                sampled=len(sample),
            ),
            indent=1,
        )
    )


# ---- reading aid -----------------------------------------------------------
def show(a, b, width=100):
    rows = {r["id"]: r for r in load()}
    ra, rb = rows[a], rows[b]
    for r in (ra, rb):
        print(f"== {r['id']} {r['timestamp']} [{r['text_type']}] {r['title']}")
        print("   " + " ".join(r["body"].split()[:80]))
    wa, wb = words(text_of(ra)), words(text_of(rb))
    sm = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    diffs = [
        (op, " ".join(wa[i1:i2])[:width], " ".join(wb[j1:j2])[:width])
        for op, i1, i2, j1, j2 in sm.get_opcodes()
        if op != "equal"
    ]
    print(f"-- word diff: ratio={sm.ratio():.3f}, {len(diffs)} blocks")
    for d in diffs[:12]:
        print("  ", d)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "copies":
        write_copies(sys.argv[2])
    elif cmd == "stories":
        write_stories(sys.argv[2])
    elif cmd == "show":
        show(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
