#!/usr/bin/env bash
# Round-5 figures (the chroma-class head, scripts/train_chroma_classes.py) into docs/results/r5_*.
#   bash scripts/measure_round5.sh choose   # calibrate both trained heads on the validation photos (the choice)
#   W=runs/chroma_classes/chosen.safetensors bash scripts/measure_round5.sh eval   # held-out figures of the chosen weights
#   bash scripts/measure_round5.sh strength   # style strength chosen on validation → /tmp/r5_starter.safetensors (OUT=…)
#   W=/tmp/r5_starter.safetensors W_BEFORE=data/starter_round3.safetensors bash scripts/measure_round5.sh styles
# Only plain automatic colorization changes in this round (styles, hints, references and packs use
# the frozen base, bit-identical), so the held-out runs cover plain colorization, its temporal
# stability, and speed; the hinted rows of `vidcolor eval` show that hints are unchanged.
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
RUN=${RUN:-runs/chroma_classes}
VAL=runs/semantic_r3/val_images.txt
GAINS=0.8,1.0,1.2,1.4,1.6,1.8,2.0
if [ "$1" = choose ]; then   # the same rule over every candidate: the most colorful within 0.5 dB of the best validation PSNR
  for head in plain rebal; do
    $V/python scripts/calibrate_chroma.py $RUN/$head.safetensors $VAL --limit 47 --gains $GAINS --auto-only --write $RUN/${head}_calibrated.safetensors > $R/r5_calibration_$head.txt 2>&1
  done
  # the shipped regression (no head), re-measured on the same grid
  $V/python scripts/calibrate_chroma.py vidcolor/weights/starter.safetensors $VAL --limit 47 --gains $GAINS --auto-only > $R/r5_calibration_regression.txt 2>&1
  exit 0
fi
if [ "$1" = strength ]; then   # style strength on validation → the weights to measure (W=… bash … styles)
  $V/python scripts/tune_style_strength.py $VAL --write ${OUT:-/tmp/r5_starter.safetensors} > $R/r5_style_strength.txt 2>&1
  exit 0
fi
if [ "$1" = styles ]; then     # held-out figures of the styles of W (watercolor's row is the only change)
  mkdir -p /tmp/val47; for f in $(cat $VAL); do ln -sf $PWD/$f /tmp/val47/; done
  $V/python scripts/style_distances.py /tmp/val47 --weights $W > $R/r5_style_distances_validation.txt 2>&1
  $V/python scripts/style_distances.py data/heldout_public data/heldout_opencv --weights $W > $R/r5_style_distances.txt 2>&1
  $V/python scripts/style_distances.py data/heldout_public data/heldout_opencv --weights ${W_BEFORE:-data/starter_round3.safetensors} > $R/r5_style_distances_round3.txt 2>&1
  styles_heldout r5 watercolor   # eval tables, sheets, warping error (scripts/measure_env.sh)
  exit 0
fi
for set in heldout heldout_public heldout_opencv; do
  $V/vidcolor eval --ref data/$set --weights $W --styles none --hint-points 10 --report /tmp/r5_$set > $R/r5_eval_${set}.txt 2>&1
  cp /tmp/r5_$set/metrics.json $R/r5_eval_${set}.json
done
$V/python scripts/pool_eval.py $R/r5_eval_heldout_public.json $R/r5_eval_heldout_opencv.json > $R/r5_eval_pooled_public.txt 2>&1
mkdir -p /tmp/t6; ls data/heldout/*.jpg | awk 'NR%9==1' | head -6 | xargs -I{} ln -sf $PWD/{} /tmp/t6/
$V/python scripts/eval_temporal.py /tmp/t6 --weights $W --style none --frames 32 --json $R/r5_temporal_none.json > $R/r5_temporal_none.txt 2>&1
$V/vidcolor bench --model --weights $W > $R/r5_bench_model.txt 2>&1
$V/python scripts/bench_pipeline.py --weights $W --styles none --json $R/r5_bench_pipeline.json > $R/r5_bench_pipeline.txt 2>&1
