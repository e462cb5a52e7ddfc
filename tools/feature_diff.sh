#!/usr/bin/env bash
# Lists the dependencies that a build of the library's tests without features compiles with
# other features than the build with all features (so make test would compile them twice:
# once for `cargo check` without features, once for clippy and the tests with them). Cargo.toml
# asks for the features the `torch` dependencies turn on (smallvec, syn, cc: "feature
# unification") so that this list is empty. Needs the nightly toolchain (`--unit-graph`);
# exits 1 when a difference is found.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo +nightly test --lib --tests --unit-graph -Z unstable-options > "$tmp/none.json"
cargo +nightly test --lib --tests --all-features --unit-graph -Z unstable-options > "$tmp/all.json"
python3 - "$tmp/none.json" "$tmp/all.json" <<'PY'
import json, sys

def units(path):
    out = {}
    for u in json.load(open(path))["units"]:
        if u["pkg_id"].startswith("path+"):
            continue  # the crate itself differs by design
        key = (u["pkg_id"].split("#")[-1], u["target"]["name"], u["mode"])
        out.setdefault(key, set()).add(tuple(sorted(u["features"])))
    return out

none, every = (units(p) for p in sys.argv[1:])
# A unit of the build without features that the build with them does not have, feature for
# feature, is compiled a second time.
missing = [(k, f) for k, fs in sorted(none.items()) for f in sorted(fs) if f not in every.get(k, set())]
for (pkg, target, mode), f in missing:
    print(f"{pkg} ({target}, {mode}): without features {list(f)}; with: {sorted(map(list, every.get((pkg, target, mode), [])))}")
print(f"{len(missing)} dependency unit(s) compiled with other features without `torch`")
sys.exit(1 if missing else 0)
PY
