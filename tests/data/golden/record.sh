#!/usr/bin/env bash
# Records the shipped models' answers that tests/core/engine/engine_test.cpp holds the engine to (README.md
# here). Run from the repository root after a build: bash tests/data/golden/record.sh [build/bin/unipose]
set -euo pipefail
unipose="${1:-build/bin/unipose}"
g=tests/data/golden
"$unipose" generate --text "a person squats with both arms forward" --out $g/generate_squat.json
"$unipose" generate --text "The person stands with the left arm raised above the head and the right knee bent." --out $g/generate_left_arm_raised.json
"$unipose" edit --pose resources/poses/t_pose.json --text "raise your left arm above your head" --out $g/edit_t_pose_raise_left_arm.json
"$unipose" edit --pose $g/walking_turned.json --text "bend your right knee more" --out $g/edit_walking_turned_bend_right_knee.json
"$unipose" edit --pose $g/sitting_turned.json --text "put your arms down" --out $g/edit_sitting_turned_arms_down.json
for p in resources/poses/standing.json resources/poses/walking.json $g/walking_turned.json; do
  echo "describe $p: $("$unipose" describe --pose $p 2>/dev/null)"
done
echo "diff standing arms_up: $("$unipose" diff --pose-a resources/poses/standing.json --pose-b resources/poses/arms_up.json 2>/dev/null)"
echo "diff walking_turned sitting_turned: $("$unipose" diff --pose-a $g/walking_turned.json --pose-b $g/sitting_turned.json 2>/dev/null)"
