#!/usr/bin/env bash
# `make image`: build the learner image of the Dockerfile with podman (Debian's package) and run
# one notebook inside it, as a JupyterHub would start it.
#
#   tools/container.sh base    a local base image equivalent to rust:1.95-slim-bookworm, made from
#                              Debian's packages (debootstrap) and this machine's Rust toolchain,
#                              for machines that reach the package registries but not Docker Hub
#   tools/container.sh build   podman build of the Dockerfile (BASE: AI4MED_IMAGE_BASE, or the
#                              local base when Docker Hub cannot be reached)
#   tools/container.sh check   start the image, run one notebook through jupyter nbconvert
#                              inside it, time the kernel start and a first cell, report the
#                              kernel's memory
#   tools/container.sh all     the three in turn (what make image runs)
#
# Podman runs rootful here with the overlay storage driver and runc;
# PODMAN_RUN_FLAGS carries what this machine needs (no CAP_SYS_RESOURCE: the container's
# process limits must not exceed the caller's).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${AI4MED_IMAGE:-localhost/ai4med:latest}
LOCAL_BASE=localhost/ai4med-base:rust-1.95-bookworm
WORK=${AI4MED_IMAGE_WORK:-/var/tmp/ai4med-image}
say() { printf '[ai4med] %s\n' "$*"; }
now() { date +%s; }

PODMAN=(podman --storage-driver "${AI4MED_PODMAN_STORAGE:-overlay}")
RUN_FLAGS=(--runtime runc --cgroup-manager cgroupfs
           --ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")

install_podman() {
  if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    command -v apt-get >/dev/null && [[ $(id -u) == 0 ]] || { say "podman and runc are needed (Debian: apt-get install podman runc)"; exit 1; }
    say "installing podman, runc and debootstrap (Debian packages)"
    apt-get install -y -q podman runc debootstrap >/dev/null
  fi
}

base() {
  if "${PODMAN[@]}" image exists "$LOCAL_BASE"; then
    say "base image $LOCAL_BASE exists"; return
  fi
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
  local t0 rootfs sysroot; t0=$(now); rootfs=$WORK/rootfs
  sysroot=$(rustc --print sysroot)
  mkdir -p "$WORK"
  # A finished debootstrap (its /debootstrap folder is gone) from an earlier try is reused.
  if [[ -x $rootfs/usr/bin/apt-get && ! -d $rootfs/debootstrap && ! -d $rootfs/usr/local/rust ]]; then
    say "reusing the Debian bookworm tree in $rootfs"
  else
    rm -rf "$rootfs"
    say "debootstrap bookworm (minbase) into $rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  fi
  cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
  say "adding this machine's Rust toolchain ($(rustc --version)) as /usr/local/rust, without its docs"
  mkdir -p "$rootfs/usr/local/rust" "$rootfs/usr/local/cargo/bin"
  (cd "$sysroot" && tar cf - --exclude=./share/doc .) | tar xf - -C "$rootfs/usr/local/rust"
  for b in cargo rustc rustdoc; do ln -sf "/usr/local/rust/bin/$b" "$rootfs/usr/local/cargo/bin/$b"; done
  # This machine reaches the registries through a TLS-inspecting proxy: the certificates its
  # bundle holds beyond Debian's go into the base (update-ca-certificates adds them when the
  # Dockerfile installs ca-certificates), and pip is pointed at the system bundle as here.
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  python3 - "$rootfs/usr/local/share/ca-certificates" <<'PY'
import glob, re, sys
pem = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)
known = {c for f in glob.glob("/usr/share/ca-certificates/**/*.crt", recursive=True) for c in pem.findall(open(f).read())}
extra = [c for c in pem.findall(open("/etc/ssl/certs/ca-certificates.crt").read()) if c not in known]
for i, c in enumerate(extra):
    open(f"{sys.argv[1]}/this-machine-{i}.crt", "w").write(c + "\n")
print(f"[ai4med] {len(extra)} certificate(s) of this machine beyond Debian's added to the base")
PY
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$rootfs/etc/pip.conf"
  (cd "$rootfs" && tar cf - .) | "${PODMAN[@]}" import \
    --change "ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV CARGO_HOME=/usr/local/cargo" --change "ENV RUSTUP_HOME=/usr/local/rustup" \
    - "$LOCAL_BASE" >/dev/null
  rm -rf "$rootfs"
  say "base image $LOCAL_BASE in $(( $(now) - t0 )) s"
}

build() {
  local base_image=${AI4MED_IMAGE_BASE:-}
  if [[ -z $base_image ]]; then
    if "${PODMAN[@]}" pull -q docker.io/library/rust:1.95-slim-bookworm >/dev/null 2>&1; then
      base_image=docker.io/library/rust:1.95-slim-bookworm
    else
      say "Docker Hub is out of reach: building on the local base (tools/container.sh base)"
      base; base_image=$LOCAL_BASE
    fi
  fi
  local t0; t0=$(now)
  say "podman build $IMAGE on $base_image (set-up inside: venv, evcxr_jupyter, exercises, warm kernel; 20-30 min on 2 cores)"
  # chroot isolation runs the RUN steps without an OCI runtime (none of its limits apply).
  "${PODMAN[@]}" build --isolation chroot --network host --build-arg "BASE=$base_image" \
    --build-arg "AI4MED_SOLUTIONS=${AI4MED_SOLUTIONS:-0}" -t "$IMAGE" "$ROOT"
  say "image $IMAGE built in $(( $(now) - t0 )) s; size $("${PODMAN[@]}" image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.1f GB", $1/1e9}')"
}

check() {
  local out=$ROOT/target/image-check t0
  rm -rf "$out"; mkdir -p "$out"
  chmod a+rwx "$out"  # the image runs as its learner user (uid 1000)
  say "running one notebook inside $IMAGE through jupyter nbconvert (as a learner's kernel)"
  t0=$(now)
  # The entry point copies the exercises into the home folder; the notebook runs from there.
  "${PODMAN[@]}" run --rm "${RUN_FLAGS[@]}" --network none -v "$out:/out" "$IMAGE" bash -c '
    set -euo pipefail
    # Resident memory of everything in the container, once a second (the learner'"'"'s share).
    (while sleep 1; do ps -eo rss= | awk "{s+=\$1} END {print s}"; done > /out/rss-kib.txt) &
    cd ~/ai4med-exercises/c2-prognosis/w1-linear
    t0=$(date +%s.%N)
    jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
      --output-dir /out lab-4-concordance-index.ipynb
    t1=$(date +%s.%N)
    jupyter nbconvert --to html --output-dir /out /out/lab-4-concordance-index.ipynb
    python3 - "$t0" "$t1" <<"PY"
import json, sys
from datetime import datetime
t0, t1 = map(float, sys.argv[1:])
nb = json.load(open("/out/lab-4-concordance-index.ipynb"))
ts = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
first = cells[0]["metadata"]["execution"]
start = ts(first["iopub.execute_input"]) - t0
each = sorted(ts(c["metadata"]["execution"]["shell.execute_reply"]) - ts(c["metadata"]["execution"]["iopub.execute_input"]) for c in cells)
peak = max(int(l) for l in open("/out/rss-kib.txt") if l.strip()) / 2**20
first_cell = ts(first["shell.execute_reply"]) - ts(first["iopub.execute_input"])
print(f"[ai4med] in the image: kernel start {start:.1f} s, first cell {first_cell:.1f} s, "
      f"median cell {each[len(each) // 2]:.2f} s over {len(cells)} cells, whole run {t1 - t0:.1f} s, peak memory of the container {peak:.2f} GiB")
PY
    if [[ -d /opt/ai4med/notebooks ]]; then echo "[ai4med] the image holds the solution notebooks (AI4MED_SOLUTIONS=1)"; else echo "[ai4med] no solution notebooks in the image"; fi
  '
  grep -q "error: c-index is not defined" "$out/lab-4-concordance-index.html" \
    || { say "the notebook run inside the image is missing its last cell's output"; exit 1; }
  say "one notebook ran inside $IMAGE in $(( $(now) - t0 )) s (container start included): $out/lab-4-concordance-index.html"
}

cmd=${1:-all}
install_podman
case $cmd in
  base) base ;;
  build) build ;;
  check) check ;;
  all) build; check ;;
  *) echo "usage: tools/container.sh {base|build|check|all}"; exit 2 ;;
esac
