"""Builds data/nlp/*.json, the rule files of ai4med::nlp (see data/README.md).

    pip download --no-deps radtext==1.0.dev2 negspacy==1.1.0
    pip download --no-deps --no-binary :all: medspacy==1.3.1      (the sdist holds resources/)
    unzip the two wheels and untar the sdist into one folder DIR, then (PyYAML installed)
    python tools/data/extract_nlp.py DIR data/nlp

1. radtext (MIT): the CheXpert and ChestX-ray14 mention phrase lists
   (resources/chexpert_phrases.yml, cxr14_phrases_v2.yml: per observation `include` and
   `exclude` patterns) and NegBio's regular-expression negation and uncertainty patterns
   (resources/patterns/regex_*.yml; XXXXX stands for the mention), converted to JSON unchanged.
2. medspacy (MIT): the English ConText rules (resources/en/context_rules.json: literal, category,
   direction, optional spaCy token pattern), copied unchanged.
3. negspacy (MIT): the English NegEx term sets (negspacy/termsets.py: pseudo negations,
   preceding and following negations, terminations), written as JSON.
"""
import json
import runpy
import sys
from pathlib import Path

import yaml

src, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
res = src / "radtext/resources"
for name, target in [("chexpert_phrases.yml", "chexpert_phrases.json"), ("cxr14_phrases_v2.yml", "cxr14_phrases.json")]:
    d = yaml.safe_load((res / name).read_text())
    (out / target).write_text(json.dumps(d, indent=1) + "\n")
patterns = {}
for kind in ["negation", "double_negation", "uncertainty_pre_negation", "uncertainty_post_negation"]:
    patterns[kind] = yaml.safe_load((res / f"patterns/regex_{kind}.yml").read_text())
(out / "negbio_patterns.json").write_text(json.dumps(patterns, indent=1) + "\n")
rules = json.loads((src / "medspacy-1.3.1/resources/en/context_rules.json").read_text())
(out / "context_rules.json").write_text(json.dumps(rules, indent=1) + "\n")
ts = runpy.run_path(str(src / "negspacy/termsets.py"))
(out / "negex_termsets.json").write_text(json.dumps(ts["LANGUAGES"]["en"], indent=1) + "\n")
print({p.name: p.stat().st_size for p in out.iterdir()})
