"""The Python side of benches/nlp.rs: medspaCy 1.3.1 ConText on the same 1e5 reports with the
same rules: target rules from the bundled CheXpert phrase lists (regular expressions, as in
ai4med), medspaCy's English ConText rules, negspaCy's pseudo-negations and terminations, and
ai4med's CXR additions (`CXR_EXTRA_RULES`). Reports are cleaned with the course's `clean`
first, as the Rust side does. Prints the time of `nlp.pipe` over all reports plus the
CheXpert aggregation, and the share of labels on which medspaCy and ai4med agree.

Then, when the Rust side has written them (the OpenI reports fetched by `make nlp-data`),
the real-report evaluation: medspaCy ConText over the same sentences of the 3,832 scored OpenI
reports, (a) with medspaCy's own rules as shipped (the anchor: what a Python user gets) and
(b) with ai4med's rule set (medspaCy's + negspaCy's + ai4med's CXR rules, read from the
`cxr_rules.json` the Rust side writes), each scored against the same MeSH gold labels;
(b) also counts the labels on which it agrees with ai4med's ConText. NLP_BENCH=openi runs
only this part.

Run in a venv with medspacy==1.3.1 (it pins numpy < 2): $MEDSPACY_PYTHON.
"""
import json
import os
import re
import tempfile
import time

import medspacy
from loguru import logger

logger.remove()  # PyRuSH logs every sentence at DEBUG level; keep the timing about ConText
from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NLP_DATA = os.path.join(ROOT, "data", "nlp")
TMP = os.path.join(tempfile.gettempdir(), "ai4med-bench-nlp")


def clean(sentence):
    s = sentence.lower().replace("and/or", "or")
    s = re.sub(r"(?<=[a-zA-Z])/(?=[a-zA-Z])", " or ", s)
    s = s.replace("..", ".")
    s = s.translate(str.maketrans({k: f"{k} " for k in ".,"}))
    return " ".join(s.split())


phrases = json.load(open(os.path.join(NLP_DATA, "chexpert_phrases.json")))
names = [n for n in phrases if n != "No Finding"]
terms = json.load(open(os.path.join(NLP_DATA, "negex_termsets.json")))


def pipeline(splitter, ai4med_rules):
    """medspaCy with target rules from the CheXpert phrase lists; with ai4med_rules, also
    negspaCy's pseudo-negations and terminations and ai4med's CXR rules."""
    nlp = medspacy.load(medspacy_enable=[splitter, "medspacy_target_matcher", "medspacy_context"] if splitter == "medspacy_pyrush" else ["medspacy_target_matcher", "medspacy_context"])
    if splitter == "sentencizer":
        nlp.add_pipe("sentencizer", first=True)
    targets = []
    for n in names:
        for p in phrases[n]["include"]:
            pat = p if p.startswith("\\b") else r"\b(?:" + p + r")\w*"
            targets.append(TargetRule(p, n, pattern=pat))
    nlp.get_pipe("medspacy_target_matcher").add(targets)
    if ai4med_rules:
        ctx = nlp.get_pipe("medspacy_context")
        extra = [ConTextRule(t, "PSEUDO", direction="PSEUDO") for t in terms["pseudo_negations"]]
        extra += [ConTextRule(t, "TERMINATE", direction="TERMINATE") for t in terms["termination"]]
        # ai4med's CXR additions (src/nlp/negation.rs: CXR_EXTRA_RULES, CXR_SCOPED_RULES), as
        # the Rust side of the benchmark wrote them
        for r in json.load(open(os.path.join(TMP, "cxr_rules.json"))):
            kw = {"max_scope": r["max_scope"]} if r["max_scope"] is not None else {}
            extra.append(ConTextRule(r["literal"], r["category"], direction=r["direction"], **kw))
        ctx.add(extra)
    return nlp


def certainties(docs):
    out = {}
    for doc in docs:
        for e in doc.ents:
            c = "uncertain" if (e._.is_uncertain or e._.is_hypothetical) else ("negative" if e._.is_negated else "positive")
            out.setdefault(e.label_, set()).add(c)
    return out


def labels(docs):
    """CheXpert aggregation over the docs (sentences) of one report."""
    out = certainties(docs)
    row = []
    for n in names:
        s = out.get(n, set())
        row.append("1" if "positive" in s else "-1" if "uncertain" in s else "0" if "negative" in s else "NA")
    nf = not any(r in ("1", "-1") for n, r in zip(names, row) if n != "Support Devices")
    row.append("1" if nf else "NA")
    return row


def synthetic():
    reports = [clean(r) for r in open(os.path.join(TMP, "reports.txt")).read().split("\n")]
    nlp = pipeline("medspacy_pyrush", True)
    t = time.perf_counter()
    rows = [labels([d]) for d in nlp.pipe(reports, batch_size=256)]
    el = time.perf_counter() - t
    print(f"ConText labelling 1e5 reports: {el:.4f} s")
    print(f"ConText labelling 1e5 reports, one thread: {el:.4f} s")
    ours = [r.split(",") for r in open(os.path.join(TMP, "ours.csv")).read().split("\n")]
    agree = sum(a == b for ra, rb in zip(rows, ours) for a, b in zip(ra, rb))
    total = sum(len(r) for r in ours)
    print(f"(labels on which medspaCy and ai4med agree: {agree}/{total} = {agree / total:.4f})")


def f1_row(rows, gold, support):
    f1 = []
    for k in range(len(names) + 1):
        tp = sum(1 for r, g in zip(rows, gold) if r[k] == "1" and g[k] == "1")
        fp = sum(1 for r, g in zip(rows, gold) if r[k] == "1" and g[k] != "1")
        fn = sum(1 for r, g in zip(rows, gold) if r[k] != "1" and g[k] == "1")
        f1.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan"))
    kept = [f for f, s in zip(f1, support) if s >= 20 and f == f]
    return sum(kept) / len(kept), f1


def openi():
    path = os.path.join(TMP, "openi_sentences.jsonl")
    if not os.path.exists(path):
        print("(no OpenI sentences from the Rust side: `make nlp-data`, then rerun)")
        return
    reports = [json.loads(line) for line in open(path)]
    gold = [r.split(",") for r in open(os.path.join(TMP, "openi_gold.csv")).read().split("\n")]
    ours = [r.split(",") for r in open(os.path.join(TMP, "openi_ours.csv")).read().split("\n")]
    support = [int(x) for x in open(os.path.join(TMP, "openi_support.csv")).read().split(",")]
    flat = [s for r in reports for s in r]
    for title, ai4med_rules in [("medspaCy ConText, its own rules (the anchor)", False), ("medspaCy ConText, ai4med's rule set", True)]:
        nlp = pipeline("sentencizer", ai4med_rules)
        t = time.perf_counter()
        docs = list(nlp.pipe(flat, batch_size=256))
        rows, i = [], 0
        for r in reports:
            rows.append(labels(docs[i:i + len(r)]))
            i += len(r)
        el = time.perf_counter() - t
        macro, f1 = f1_row(rows, gold, support)
        print(f"| {title} | {macro:.3f} | " + " | ".join(f"{x:.3f}" for x in f1) + " |")
        if ai4med_rules:
            print(f"ConText labelling OpenI reports: {el:.4f} s")
            agree = sum(a == b for ra, rb in zip(rows, ours) for a, b in zip(ra, rb))
            total = sum(len(r) for r in ours)
            print(f"(OpenI labels on which medspaCy with ai4med's rules and ai4med agree: {agree}/{total} = {agree / total:.4f})")
        else:
            print(f"(medspaCy with its own rules, OpenI: {el:.2f} s)")


if os.environ.get("NLP_BENCH") != "openi":
    synthetic()
openi()
