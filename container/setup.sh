#!/usr/bin/env bash
# The image's set-up (run by the Dockerfile as the learner's user, in /opt/ai4med): the same
# set-up as `make notebooks`, plus what a hub needs, then a warm kernel build.
# Also runnable on its own in an empty folder to check it without a container engine:
#   AI4MED_CACHE=/tmp/x/cache bash container/setup.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export AI4MED_CACHE=${AI4MED_CACHE:-/opt/ai4med-cache}
t0=$(date +%s)
# The venv, evcxr_jupyter, the kernelspec, the OpenI reports and the crates the kernel needs.
bash tools/ai4med.sh setup
# jupyterhub-singleuser, which a JupyterHub spawner runs in place of JupyterLab; its major
# version must match the hub's (5.x here).
"$AI4MED_CACHE/venv/bin/python" -m pip install -q "jupyterhub==5.4.6"
# The notebooks a learner works in (container/start copies them into the home folder): the
# exercise version of every notebook with solution regions, the others (labs) as they are.
bash tools/ai4med.sh exercises --force --out "$PWD/exercises" notebooks
(cd notebooks && find . -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | while read -r nb; do
  [[ -e ../exercises/$nb ]] || { mkdir -p "../exercises/$(dirname "$nb")"; cp "$nb" "../exercises/$nb"; }
done)
cp notebooks/README.md exercises/README.md 2>/dev/null || true
# A class image leaves the solution notebooks out (AI4MED_SOLUTIONS=1 keeps them, e.g. for
# a public Binder of the course).
if [[ ${AI4MED_SOLUTIONS:-0} != 1 ]]; then
  rm -rf notebooks
fi
# Compile the crate and its dependencies inside the kernel's build slot 0 once, now: a
# learner's first kernel starts warm, and a second one seeds its slot from slot 0 in seconds.
bash tools/ai4med.sh warm
# What the image does not need at run time: the build of the exercise generator (GBs) and
# pip's download cache.
rm -rf "$AI4MED_CACHE/cargo-target" "$HOME/.cache/pip"
echo "[ai4med] image set-up done in $(( $(date +%s) - t0 )) s"
