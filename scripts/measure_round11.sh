#!/usr/bin/env bash
# Round-11 figures into docs/results/r11_*: the inference speed work (SAME padding without copying the
# input, BatchNorm folded into the convs at load, glibc malloc that keeps large blocks), measured side by
# side with round 10's code (BASE, a git revision, default a10cefc) in one run on one host.
#   bash scripts/measure_round11.sh speed   # 640×480 end to end, plain and watercolor (bench_pipeline.py), this code and
#                                           # BASE alternately, two rounds each; the generator alone vs ResNet101 (vidcolor bench --model)
#   bash scripts/measure_round11.sh agree   # the README's command (and --style watercolor) with this code and with BASE:
#                                           # frame-by-frame PSNR between the two renders (scripts/compare_videos.py)
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
BASE=${BASE:-a10cefc}
BT=/tmp/vidcolor_base_$BASE
[ -d $BT ] || git worktree add --detach $BT $BASE
if [ "${1:-}" = speed ]; then
  out=$R/r11_bench_pipeline.txt
  echo "# python scripts/bench_pipeline.py --weights $W --styles none,watercolor: this code (NEW) and round 10's ($BASE, BASE) alternately, $(date -u +%F)" > $out
  for round in 1 2; do
    echo "## NEW, round $round" >> $out
    $V/python scripts/bench_pipeline.py --weights $W --styles none,watercolor >> $out 2>&1
    echo "## BASE ($BASE), round $round" >> $out
    (cd $BT && PYTHONPATH=$BT $OLDPWD/$V/python scripts/bench_pipeline.py --weights $OLDPWD/$W --styles none,watercolor) >> $out 2>&1
  done
  $V/vidcolor bench --model --weights $W > $R/r11_bench_model.txt 2>&1
fi
if [ "${1:-}" = agree ]; then
  out=$R/r11_outputs_agree.txt
  T=$(mktemp -d)
  echo "# vidcolor process samples/sample.mp4 -o OUT [--style S]: this code vs round 10's ($BASE); scripts/compare_videos.py, $(date -u +%F)" > $out
  for style in none watercolor; do
    $V/vidcolor process samples/sample.mp4 -o $T/new_$style.mp4 --style $style -q
    (cd $BT && PYTHONPATH=$BT $OLDPWD/$V/python -m vidcolor process $OLDPWD/samples/sample.mp4 -o $T/base_$style.mp4 --style $style -q --weights $OLDPWD/$W)
    echo "## --style $style" >> $out
    $V/python scripts/compare_videos.py $T/new_$style.mp4 $T/base_$style.mp4 >> $out 2>&1
  done
  rm -rf $T
fi
