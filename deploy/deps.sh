#!/usr/bin/env bash
# Installs every Debian 12 package Plenum needs to build, run and test.
# Does nothing when all are present. Uses apt-get as root, sudo otherwise.
# Usage: deploy/deps.sh [--list] [build|run|test|bench|soak]   (default: test;
# bench adds what `make bench` compares against; soak is run plus the
# WebSocket client). --list prints the set's Debian packages and installs
# nothing (tests/integration/test_deps.py checks that everything the code
# and the tests use comes from them).
set -euo pipefail

list=
if [[ "${1:-}" == --list ]]; then
  list=1
  shift
fi
want=${1:-test}

# What the build needs: a C toolchain, CMake, pkg-config and the libraries
# (plenumd and the load generators run lws on libuv: libuv and lws's libuv
# plugin, libwebsockets-evlib-uv, which plenumd also needs at run time).
build_pkgs=(
  build-essential cmake pkg-config
  libwebsockets-dev libglib2.0-dev
  libuv1-dev libwebsockets-evlib-uv
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libpq-dev libjansson-dev libsrtp2-dev libssl-dev libqrencode-dev
)
# What `make run` needs on top: the embedded PostgreSQL 15 server.
# ... and GStreamer's plugins for recording and livestreaming (x264 is in
# -ugly, the AAC encoder, mpegtsmux and SRT in -bad, RTSP and V4L2 in -good, ALSA
# capture in -alsa, the slate's and the program's text and clock overlays
# (textoverlay, clockoverlay: Pango) in -x, which is only a Recommends of the
# others), libnice's GStreamer elements (ICE for webrtcbin, the
# remote participants' connections), libav's decoders (a remote
# participant's H.264), a font for the slate, and
# Node.js's npm for the pages' third-party code (hls.js, web/package.json).
run_pkgs=(postgresql-15 postgresql-client-15
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-alsa gstreamer1.0-x gstreamer1.0-nice
  gstreamer1.0-libav fonts-dejavu-core)
# What `make test` needs on top: a real WebSocket client, curl, clang for
# fuzzing, Chromium (driven by playwright-core from npm) with fonts that
# have every Vietnamese diacritic, GStreamer's RTSP server (through
# Python) to play an IP camera, and ffmpeg to play an RTMP server.
test_pkgs=(python3 python3-websockets python3-yaml curl openssl zbar-tools librsvg2-bin clang libclang-rt-14-dev chromium fonts-noto-core
  gstreamer1.0-tools gstreamer1.0-plugins-base-apps
  python3-gi gir1.2-gst-rtsp-server-1.0 ffmpeg)
# Prometheus's own parser reads /metrics in tests/integration/test_metrics.py.
test_pkgs+=(python3-prometheus-client)
# nginx in front of plenumd, shellcheck on the backup script and rsync to
# run it (tests/integration/test_deploy.py).
test_pkgs+=(nginx-light shellcheck rsync)
# pyflakes, the Python linter (tests/lint_python.py; ESLint, the
# JavaScript one, is tests/browser's npm devDependency).
test_pkgs+=(python3-pyflakes)

# What `make bench` needs on top: perf (vote_bench.py's profile of plenumd;
# ffmpeg, the peer the media benchmark compares plenumd's recording + HLS
# with, is in the test set).
bench_pkgs=(linux-perf)
# mosquitto, the broker the fan-out benchmark compares plenumd with (MQTT over
# WebSockets): fanout_bench.py runs it as a plain process with its own config
# on a free port; the package's system service, where systemd starts it, is
# not used.
bench_pkgs+=(mosquitto)
# What `make soak` needs on top of run: Python's WebSocket client.
soak_pkgs=(python3 python3-websockets)

pkgs=("${build_pkgs[@]}")
case "$want" in
build) ;;
run) pkgs+=("${run_pkgs[@]}") ;;
soak)
  pkgs+=("${run_pkgs[@]}" "${soak_pkgs[@]}")
  want=build # and no npm packages: the soak asks for no page that needs them
  ;;
test) pkgs+=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
bench)
  pkgs+=("${run_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}")
  want=test # and the test set's npm packages
  bench=1   # and the bench's (the Node ws peer)
  ;;
*)
  echo "deps.sh: unknown set '$want' (use build, run, test, bench or soak)" >&2
  exit 2
  ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: this is not a Debian system (no dpkg-query); install the packages listed in deploy/deps.sh by hand" >&2
  exit 1
fi

root=$(cd "$(dirname "$0")/.." && pwd)

# Node.js may come from Debian (nodejs + npm) or from the image (nodejs with
# npm bundled): ask for Debian's only when there is none.
if [[ "$want" != build ]]; then
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

if [[ -n "$list" ]]; then
  # Node.js: Debian's unless the machine has its own (then that one).
  if [[ "$want" != build ]]; then
    for p in nodejs npm; do
      [[ " ${pkgs[*]} " == *" $p "* ]] || pkgs+=("$p")
    done
  fi
  printf '%s\n' "${pkgs[@]}"
  exit 0
fi

# npm packages, pinned by their package-lock.json: the pages' (web/) for
# run and test, the browser tests' (tests/browser/) for test.
npm_dir() {
  local dir=$1 probe=$2 what=$3
  if [[ ! -f "$dir/node_modules/$probe/package.json" ]] ||
    [[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    echo "deps.sh: installing $what"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
npm_deps() {
  [[ "$want" != build ]] || return 0
  npm_dir "$root/web" hls.js "the pages' npm packages"
  [[ "$want" == test ]] || return 0
  # eslint as the probe: the newest of them, absent from older copies.
  npm_dir "$root/tests/browser" eslint "the browser tests' npm packages (and ESLint)"
  [[ -n "${bench:-}" ]] || return 0
  npm_dir "$root/tests/bench" ws "the fan-out benchmark's peer (ws)"
}

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  npm_deps
  exit 0
fi

echo "deps.sh: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "deps.sh: missing packages (${missing[*]}) and not root and no sudo; install them as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list finds nothing: refresh it once, quietly.
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: installed ${#missing[@]} package(s)"
npm_deps
