#!/usr/bin/env bash
# Round-6 figures into docs/results/r6_*, for the weights W (default: the bundled model).
#   bash scripts/measure_round6.sh             # issue 12: hint spreading, random and user-placed points
#   bash scripts/measure_round6.sh strength    # issue 13: style strengths chosen jointly on validation → OUT (/tmp/r6_starter.safetensors)
#   W=/tmp/r6_starter.safetensors W_BEFORE=data/starter_round5.safetensors bash scripts/measure_round6.sh styles
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Held-out photos: data/heldout (own split),
# data/heldout_public (scikit-image), data/heldout_opencv.
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
VAL=runs/semantic_r3/val_images.txt
if [ "$1" = strength ]; then
  $V/python scripts/tune_style_strength.py $VAL --ks 0.8,1.0,1.25,1.5 --rule separation --write ${OUT:-/tmp/r6_starter.safetensors} > $R/r6_style_strength.txt 2>&1
  exit 0
fi
if [ "$1" = styles ]; then     # held-out figures of W's styles (only style rows changed)
  mkdir -p /tmp/val47; for f in $(cat $VAL); do ln -sf $PWD/$f /tmp/val47/; done
  $V/python scripts/style_distances.py /tmp/val47 --weights $W > $R/r6_style_distances_validation.txt 2>&1
  $V/python scripts/style_distances.py data/heldout_public data/heldout_opencv --weights $W > $R/r6_style_distances.txt 2>&1
  $V/python scripts/style_distances.py data/heldout --weights $W > $R/r6_style_distances_own.txt 2>&1
  $V/python scripts/style_distances.py data/heldout --weights ${W_BEFORE:-data/starter_round5.safetensors} > $R/r6_style_distances_own_round5.txt 2>&1
  styles_heldout r6 watercolor oil cartoon   # eval tables, sheets, warping error (scripts/measure_env.sh)
  exit 0
fi
out=$R/r6_control_photos.txt
: > $out
for set in heldout heldout_public heldout_opencv; do
  for spread in "" "1.5,0.1,0.03,0"; do          # this round's spreading, round 2's (no global term)
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
