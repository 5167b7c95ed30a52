#!/usr/bin/env bash
# Round-9 figures into docs/results/r9_*: the current model's headline figures re-measured with the current
# code (round 8 changed the finishing: plain colorization keeps the input's luma), for the weights W
# (default: the bundled model).
#   bash scripts/measure_round9.sh heldout  # held-out PSNR/colorfulness/top-1/top-5 at --saturation 1, 1.14, 1.29
#                                           # (vidcolor eval, originals turned gray by L*, as the README's table)
#   bash scripts/measure_round9.sh luma     # round 8's photo protocols again (gray by L* or Rec.601 luma, keeping
#                                           # luma or L*, automatic and 10 true-color points) after the review fix
#                                           # to the luma shift (981cbb0)
#   bash scripts/measure_round9.sh pencil   # warping error of plain colorization and every built-in style
#                                           # with the bundled weights (6 camera-move clips)
#   bash scripts/measure_round9.sh speed    # 640×480 end to end, plain and watercolor (bench_pipeline.py)
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
if [ "${1:-heldout}" = heldout ]; then
  saturation_heldout $R/r9_saturation_heldout.txt r9sat \
    "# bash scripts/measure_round9.sh heldout   (vidcolor eval --ref data/SET --saturation S --report DIR; scripts/pool_eval.py; semantic check: EfficientNet-Lite2 top-1/top-5)"
fi
if [ "${1:-}" = luma ]; then
  gray_protocols $R/r9_preserve_luma.txt r9p \
    "# bash scripts/measure_round9.sh luma   (vidcolor eval --ref data/SET --gray G --preserve P --hint-points 10 --no-semantic --report DIR; scripts/pool_eval.py)"
fi
if [ "${1:-}" = pencil ]; then
  mkdir -p /tmp/t9; ls data/heldout/*.jpg | awk 'NR%9==1' | head -6 | xargs -I{} ln -sf $PWD/{} /tmp/t9/
  files=()
  for st in none watercolor oil pencil cartoon; do
    $V/python scripts/eval_temporal.py /tmp/t9 --weights $W --style $st --frames 32 --json /tmp/r9_temporal_$st.json > /tmp/r9_temporal_$st.txt 2>&1
    files+=(/tmp/r9_temporal_$st.json)
  done
  $V/python scripts/temporal_table.py "${files[@]}" > $R/r9_temporal_styles.txt
fi
if [ "${1:-}" = speed ]; then
  $V/python scripts/bench_pipeline.py --weights $W --styles none,watercolor --json $R/r9_bench_pipeline.json > $R/r9_bench_pipeline.txt 2>&1
fi
