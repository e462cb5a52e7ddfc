"""The Python side of benches/nlp.rs: medspaCy 1.3.1 ConText on the same 1e5 reports with the
same rules: target rules from the bundled CheXpert phrase lists (regular expressions, as in
ai4med), medspaCy's English ConText rules, negspaCy's pseudo-negations and terminations, and
ai4med's CXR additions (`CXR_EXTRA_RULES`). Reports are cleaned with the course's `clean`
first, as the Rust side does. Prints the time of `nlp.pipe` over all reports plus the
CheXpert aggregation, and the share of labels on which medspaCy and ai4med agree.

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


reports = [clean(r) for r in open(os.path.join(TMP, "reports.txt")).read().split("\n")]
phrases = json.load(open(os.path.join(NLP_DATA, "chexpert_phrases.json")))
names = [n for n in phrases if n != "No Finding"]

nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_target_matcher", "medspacy_context"])
targets = []
for n in names:
    for p in phrases[n]["include"]:
        pat = p if p.startswith("\\b") else r"\b(?:" + p + r")\w*"
        targets.append(TargetRule(p, n, pattern=pat))
nlp.get_pipe("medspacy_target_matcher").add(targets)
ctx = nlp.get_pipe("medspacy_context")
terms = json.load(open(os.path.join(NLP_DATA, "negex_termsets.json")))
extra = [ConTextRule(t, "PSEUDO", direction="PSEUDO") for t in terms["pseudo_negations"]]
extra += [ConTextRule(t, "TERMINATE", direction="TERMINATE") for t in terms["termination"]]
# ai4med's CXR additions (src/nlp/negation.rs, CXR_EXTRA_RULES)
cxr = [("cannot exclude", "POSSIBLE_EXISTENCE", "FORWARD"), ("can not exclude", "POSSIBLE_EXISTENCE", "FORWARD"), ("cannot be excluded", "POSSIBLE_EXISTENCE", "BACKWARD"),
       ("cannot be ruled out", "POSSIBLE_EXISTENCE", "BACKWARD"), ("not excluded", "POSSIBLE_EXISTENCE", "BACKWARD"), ("is not excluded", "POSSIBLE_EXISTENCE", "BACKWARD"),
       ("are not excluded", "POSSIBLE_EXISTENCE", "BACKWARD"), ("may represent", "POSSIBLE_EXISTENCE", "FORWARD"), ("may be present", "POSSIBLE_EXISTENCE", "BACKWARD"),
       ("likely", "POSSIBLE_EXISTENCE", "FORWARD"), ("probable", "POSSIBLE_EXISTENCE", "FORWARD"), ("questionable", "POSSIBLE_EXISTENCE", "FORWARD"),
       ("concerning for", "POSSIBLE_EXISTENCE", "FORWARD"), ("no change in", "PSEUDO", "PSEUDO"), ("no interval change in", "PSEUDO", "PSEUDO"),
       ("not significantly changed", "PSEUDO", "PSEUDO"), ("is not seen", "NEGATED_EXISTENCE", "BACKWARD"), ("are not seen", "NEGATED_EXISTENCE", "BACKWARD"),
       ("has resolved", "NEGATED_EXISTENCE", "BACKWARD"), ("have resolved", "NEGATED_EXISTENCE", "BACKWARD"), ("resolution of", "NEGATED_EXISTENCE", "FORWARD")]
extra += [ConTextRule(l, c, direction=d) for l, c, d in cxr]
ctx.add(extra)


def labels(doc):
    out = {}
    for e in doc.ents:
        c = "uncertain" if (e._.is_uncertain or e._.is_hypothetical) else ("negative" if e._.is_negated else "positive")
        out.setdefault(e.label_, set()).add(c)
    row = []
    for n in names:
        s = out.get(n, set())
        row.append("1" if "positive" in s else "-1" if "uncertain" in s else "0" if "negative" in s else "NA")
    nf = not any(r in ("1", "-1") for n, r in zip(names, row) if n != "Support Devices")
    row.append("1" if nf else "NA")
    return row


t = time.perf_counter()
rows = [labels(d) for d in nlp.pipe(reports, batch_size=256)]
el = time.perf_counter() - t
if os.environ.get("SHOW"):
    print(names + ["No Finding"])
    for r in rows:
        print(r)
print(f"ConText labelling 1e5 reports: {el:.4f} s")
print(f"ConText labelling 1e5 reports, one thread: {el:.4f} s")
ours = [r.split(",") for r in open(os.path.join(TMP, "ours.csv")).read().split("\n")]
agree = sum(a == b for ra, rb in zip(rows, ours) for a, b in zip(ra, rb))
total = sum(len(r) for r in ours)
print(f"(labels on which medspaCy and ai4med agree: {agree}/{total} = {agree / total:.4f})")
