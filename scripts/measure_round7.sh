#!/usr/bin/env bash
# Round-7 figures into docs/results/r7_*, for the weights W (default: the bundled model).
#   bash scripts/measure_round7.sh videos   # issue 12: reference keyframes on the 5 held-out color videos,
#                                           # static copy with the film's decoded luma + chroma-only RMSE
#   bash scripts/measure_round7.sh styles   # hints in every style (validation photos), points and a dense reference
#   bash scripts/measure_round7.sh saturation  # issue 11: held-out PSNR/colorfulness/top-1 at --saturation 1, 1.14, 1.29
#                                              # (the user's knob; the default stays the validation-calibrated 1)
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
if [ "${1:-videos}" = videos ]; then
  $V/python scripts/eval_control.py videos $OCV/vtest.avi $OCV/tree.avi $KIVY $MECA/balle-jbart.mp4 \
      data/cache/root/kphotoalbum/usr/share/kphotoalbum/demo/movie.avi --weights $W --frames 101 \
      --json $R/r7_control_videos.json > $R/r7_control_videos.txt 2>&1
fi
if [ "${1:-}" = styles ]; then
  { echo "# python scripts/hints_in_styles.py runs/semantic_r3/val_images.txt"
    $V/python scripts/hints_in_styles.py runs/semantic_r3/val_images.txt --weights $W
    echo "# python scripts/hints_in_styles.py runs/semantic_r3/val_images.txt --reference"
    $V/python scripts/hints_in_styles.py runs/semantic_r3/val_images.txt --weights $W --reference
    echo "# python scripts/hints_in_styles.py runs/semantic_r3/val_images.txt --painted 0.06"
    $V/python scripts/hints_in_styles.py runs/semantic_r3/val_images.txt --weights $W --painted 0.06; } > $R/r7_hints_in_styles_rerun.txt 2>&1
  # (docs/results/r7_hints_in_styles.txt also holds the "before" figures, measured with round 6's engine.py)
fi
if [ "${1:-}" = saturation ]; then
  saturation_heldout $R/r7_saturation_heldout.txt r7sat \
    "# bash scripts/measure_round7.sh saturation   (vidcolor eval --ref data/SET --saturation S --report DIR; scripts/pool_eval.py; semantic check: EfficientNet-Lite2 top-1/top-5)"
fi
