#!/usr/bin/env bash
# The README's two commands: `quickstart.sh run` installs dependencies, builds and starts UniPose Studio;
# `quickstart.sh test` does the same set-up and runs the whole test suite. Both are idempotent: a second
# run finds the packages installed and the build up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
case "$mode" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2;; esac

bash installer/install-deps.sh
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build -j2

if [ "$mode" = test ]; then
  ctest --test-dir build --output-on-failure -j2
  exit $?
fi

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec ./build/bin/unipose
fi
# No desktop here (a server, a container, CI): show what the window would show, and how to get it.
echo "No display found (DISPLAY is not set), so the window cannot open here."
echo "On a desktop, run:   build/bin/unipose"
echo "A picture of it:     xvfb-run -a build/bin/unipose gui --pose resources/poses/walking.json --screenshot build/studio.png"
xvfb-run -a -s '-screen 0 1600x1000x24' ./build/bin/unipose gui --no-restore --pose resources/poses/walking.json \
  --screenshot build/studio.png
./build/bin/unipose --help
