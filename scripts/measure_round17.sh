#!/bin/bash
# Round 17's measurements (reliability and fidelity fixes from two reviews; the weights are round 10's).
#   bash scripts/measure_round17.sh speed    # 640×480 end to end, plain and watercolor, this code and BASE (the round 16 release)
#                                            # alternately, two rounds each (vidcolor bench on bench_pipeline.py's clip)
#   bash scripts/measure_round17.sh memory   # peak memory and time of one photo of 0.08, 12 and 48 megapixels (scripts/photo_memory.sh)
#   bash scripts/measure_round17.sh agree    # the README's command with this code and BASE: frame-by-frame PSNR between the renders
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
BASE=${BASE:-9f3d4e9}
base_worktree $BASE
if [ "${1:-}" = speed ]; then
  speed_alternating $R/r17_bench_pipeline.txt 2 "round 16"
fi
if [ "${1:-}" = memory ]; then
  out=$R/r17_photo_memory.txt
  { echo "# bash scripts/photo_memory.sh, $(date -u +%F), round 17 (one gray PNG -> JPEG, bundled weights)"
    echo "# before (round 16 code, review 17b's measurement, same photos): 320x240 0.80 GB, 4000x3000 2.33-2.39 GB, 8000x6000 7.28-7.46 GB (17-47 s)"
    bash scripts/photo_memory.sh; } > $out 2>&1
fi
if [ "${1:-}" = agree ]; then
  readme_agree $R/r17_outputs_agree.txt "round 16"
fi
