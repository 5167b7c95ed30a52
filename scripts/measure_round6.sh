#!/usr/bin/env bash
# Round-6 figures for issue 12 (hint spreading re-chosen for random points *and* points where a user
# would put them) into docs/results/r6_*, for the weights W (default: the bundled model).
#   bash scripts/measure_round6.sh        # Python: $VENV, else ./.venv (scripts/measure_env.sh)
# Held-out photos: data/heldout (own split), data/heldout_public (scikit-image), data/heldout_opencv.
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
out=$R/r6_control_photos.txt
: > $out
for set in heldout heldout_public heldout_opencv; do
  for spread in "" "1.5,0.1,0.03"; do            # this round's spreading, round 2's
    tag=${spread:+round2}; tag=${tag:-round6}
    for seed in 0 1 2 3 4; do
      echo "== $set $tag random10 seed $seed" >> $out
      $V/python scripts/eval_control.py photos data/$set --weights $W --points 10 --seed $seed ${spread:+--spread $spread} 2>&1 | tail -2 >> $out
    done
    for n in 1 3; do
      echo "== $set $tag worst$n" >> $out
      $V/python scripts/eval_control.py photos data/$set --weights $W --points $n --placement worst ${spread:+--spread $spread} \
        --json $R/r6_control_photos_${set}_${tag}_worst$n.json 2>&1 | tail -2 >> $out
    done
  done
done
$V/python scripts/pool_control.py $out > $R/r6_control_photos_summary.txt
