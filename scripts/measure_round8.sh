#!/usr/bin/env bash
# Round-8 figures into docs/results/r8_*, for the weights W (default: the bundled model).
#   bash scripts/measure_round8.sh photos   # plain colorization keeping the input's luma vs its L*, on the three held-out
#                                           # photo sets turned gray both ways (L* and Rec.601 luma), automatic and with
#                                           # 10 true-color points (vidcolor eval --gray G --preserve P --hint-points 10)
#   ROUND=8 bash scripts/measure_round7.sh videos   # reference keyframes on the 5 held-out videos (r8_control_videos.*)
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
if [ "${1:-photos}" = photos ]; then
  out=$R/r8_preserve_luma.txt
  echo "# bash scripts/measure_round8.sh photos   (vidcolor eval --ref data/SET --gray G --preserve P --hint-points 10 --no-semantic --report DIR; scripts/pool_eval.py)" > $out
  for gm in lightness luma; do
    for pres in luma lightness; do
      for set in heldout heldout_public heldout_opencv; do
        $V/vidcolor eval --ref data/$set --weights $W --gray $gm --preserve $pres --hint-points 10 --no-semantic \
            --report /tmp/r8p_${gm}_${pres}_$set > /tmp/r8p_${gm}_${pres}_$set.txt 2>&1
      done
      { echo "# turned gray by $gm, keeping the input's $pres: own held-out split"
        $V/python scripts/pool_eval.py /tmp/r8p_${gm}_${pres}_heldout/metrics.json
        echo "# turned gray by $gm, keeping the input's $pres: 20 public photos pooled (scikit-image 5, opencv-doc 15)"
        $V/python scripts/pool_eval.py /tmp/r8p_${gm}_${pres}_heldout_public/metrics.json /tmp/r8p_${gm}_${pres}_heldout_opencv/metrics.json; } >> $out
    done
  done
fi
