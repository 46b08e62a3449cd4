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

# Until the desktop window exists (GUI issue), "starting the application" shows what it can do.
./build/bin/unipose --version
./build/bin/unipose --help
echo
echo "\$ unipose pose info resources/poses/sitting.json"
./build/bin/unipose pose info resources/poses/sitting.json
echo
echo "\$ unipose body export --pose resources/poses/walking.json --out build/walking.glb"
./build/bin/unipose body export --pose resources/poses/walking.json --out build/walking.glb
