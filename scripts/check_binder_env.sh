#!/usr/bin/env bash
# Build the environment that binder/ describes in a fresh venv, the way repo2docker would
# (pip install -r binder/requirements.txt, then binder/postBuild), and smoke-test it:
#   pip check; import invlab with the pinned torch (CPU build); the exercise list; lecture 00 run
#   top to bottom under nbval; the presentation mode -- Voilà standalone (python -m invlab.present)
#   and the Voilà extension of a Jupyter server, as on JupyterHub --
#   each rendering lecture 00's app view without an error.
#
# Usage: bash scripts/check_binder_env.sh [--keep] [--offline-torch]
#   --keep           keep the venv (printed) instead of deleting it
#   --offline-torch  drop the --extra-index-url line (for a machine that cannot reach PyTorch's
#                    index: torch==2.13.0+cpu must then come from the usual index)
# Takes a few minutes and ~2 GB of disk. Not part of `make test` (it downloads every package).
# What it cannot check: repo2docker itself (its base image, its own Jupyter packages), Binder,
# JupyterHub's spawner and authentication.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
KEEP=0; OFFLINE=0
for a in "$@"; do
    case $a in
        --keep) KEEP=1 ;;
        --offline-torch) OFFLINE=1 ;;
        *) echo "unknown option $a" >&2; exit 2 ;;
    esac
done
PY=${PYTHON:-python$(sed -n 's/^python-\([0-9.]*\)$/\1/p' binder/runtime.txt)}
command -v "$PY" >/dev/null || { echo "check_binder_env: $PY (binder/runtime.txt) not found" >&2; exit 1; }

WORK=$(mktemp -d /tmp/invlab-binder-XXXXXX)
stop() {  # a server started with setsid below, and its kernels (its own process group)
    kill -TERM -- "-$1" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 -- "-$1" 2>/dev/null || return 0; sleep 0.5; done
    kill -KILL -- "-$1" 2>/dev/null || true
}
cleanup() {
    [ -n "${VOILA_PID:-}" ] && stop "$VOILA_PID"
    [ -n "${SERVER_PID:-}" ] && stop "$SERVER_PID"
    if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
step() { echo; echo "== $*"; }

step "fresh venv with $($PY --version) in $WORK/venv"
"$PY" -m venv "$WORK/venv"
V="$WORK/venv/bin"
"$V/python" -m pip install -q --disable-pip-version-check --upgrade pip

REQ=binder/requirements.txt
if [ "$OFFLINE" = 1 ]; then
    grep -v '^--extra-index-url' binder/requirements.txt > "$WORK/requirements.txt"
    REQ="$WORK/requirements.txt"
    echo "(--offline-torch: without PyTorch's CPU index)"
fi
step "pip install -r $REQ"
t0=$(date +%s)
"$V/python" -m pip install -q --disable-pip-version-check -r "$REQ" 2>&1 | grep -v "is ignored" || true
"$V/python" -m pip check
echo "installed in $(( $(date +%s) - t0 )) s; venv size $(du -sh "$WORK/venv" | cut -f1)"

step "binder/postBuild"
# repo2docker runs postBuild in the repository with the environment's python first on PATH
(export PATH="$V:$PATH"; bash binder/postBuild)

step "smoke test: torch build, import, exercises"
"$V/python" - <<'PY'
import torch, invlab as il
from invlab import operators as op
assert torch.__version__.endswith("+cpu"), torch.__version__
assert not torch.cuda.is_available()
x = il.data.image("camera", 64)
A = op.Blur.gaussian((64, 64), sigma=2.0)
assert op.dot_test(A) < 1e-5
print("torch", torch.__version__, "| invlab", il.__version__, "| dot test", op.dot_test(A))
PY
"$V/python" -m invlab.coursework list

step "smoke test: lecture 00 top to bottom (nbval)"
"$V/python" -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env lectures/00_welcome.ipynb

step "smoke test: presentation mode, standalone Voilà (python -m invlab.present)"
PORT=$("$V/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
setsid "$V/python" -m invlab.present 00 --no-browser --port "$PORT" < /dev/null > "$WORK/voila.log" 2>&1 &
VOILA_PID=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/voila/static/voila.js" -o /dev/null && break; sleep 0.5; done
curl -sf --max-time 300 "http://127.0.0.1:$PORT/" -o "$WORK/app.html"
stop "$VOILA_PID"; VOILA_PID=
check_app_html() {
    grep -q "Welcome: what" "$1" || { echo "FAIL: no lecture title in $1" >&2; exit 1; }
    grep -q "invlab app view" "$1" || { echo "FAIL: not the invlab app template in $1" >&2; exit 1; }
    grep -q "widget-view+json" "$1" || { echo "FAIL: no widget in $1" >&2; exit 1; }
    if grep -q "Traceback\|cdn.jsdelivr" "$1"; then echo "FAIL: traceback or CDN link in $1" >&2; exit 1; fi
    echo "ok: $1 ($(wc -c < "$1") bytes): the lecture with its panels, in the app template; no traceback, no CDN link"
}
check_app_html "$WORK/app.html"

step "smoke test: Voilà inside a Jupyter server (JupyterHub's way; the app notebook names its template)"
TOKEN=smoke$RANDOM$RANDOM
setsid "$V/jupyter" server --no-browser --ip=127.0.0.1 --port="$PORT" --ServerApp.port_retries=0 \
    --IdentityProvider.token="$TOKEN" --ServerApp.root_dir="$REPO" --allow-root < /dev/null > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/api/status?token=$TOKEN" -o /dev/null && break; sleep 0.5; done
curl -sf --max-time 300 "http://127.0.0.1:$PORT/voila/render/build/present/00_welcome.ipynb?token=$TOKEN" \
    -o "$WORK/hub.html"
stop "$SERVER_PID"; SERVER_PID=
check_app_html "$WORK/hub.html"

echo
echo "check_binder_env: all good"
