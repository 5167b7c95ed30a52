#!/usr/bin/env bash
# Round-11 figures into docs/results/r11_*: the inference work (SAME padding without copying the input,
# BatchNorm folded into the convs at load, glibc malloc that keeps large blocks, the encoder's stem and first
# block in fp32 under bf16 autocast), measured side by side with round 10's code (BASE, a git revision,
# default a10cefc) in one run on one host.
#   bash scripts/measure_round11.sh speed   # 640×480 end to end, plain and watercolor (vidcolor bench on bench_pipeline.py's clip), this code and
#                                           # BASE alternately, two rounds each; the generator alone vs ResNet101 (vidcolor bench --model)
#   bash scripts/measure_round11.sh heldout # round 10's held-out evaluation (test half, 20 public photos) with this code
#   bash scripts/measure_round11.sh control # 10 true-color points per held-out photo, and the styles' separation, with this code
#   bash scripts/measure_round11.sh parts   # which part of the network made bf16 stray from fp32 (scripts/bf16_parts.py),
#                                           # on the code before the fix (PREFIX, default 96021f2) and on this code
#   bash scripts/measure_round11.sh malloc  # the allocator settings alone: BASE with and without glibc's tunables at our values
#   bash scripts/measure_round11.sh memory  # peak RSS over 50, 300 and 1200 frames in fresh processes, both versions
#   bash scripts/measure_round11.sh agree   # the README's command (and --style watercolor) with this code and with BASE:
#                                           # frame-by-frame PSNR between the two renders (scripts/compare_videos.py), and
#                                           # how far each version's bf16 network output is from fp32 (scripts/bf16_error.py)
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
BASE=${BASE:-a10cefc}
base_worktree $BASE
if [ "${1:-}" = speed ]; then
  # each version's own `vidcolor bench` (its command line applies its own process settings, as `vidcolor process` does)
  make_bench_clip 240
  out=$R/r11_bench_pipeline.txt
  echo "# vidcolor bench gray_640x480.mp4 (scripts/bench_pipeline.py's clip) --frames 200 --weights $W --style S: this code (NEW) and round 10's ($BASE, BASE) alternately, $(date -u +%F)" > $out
  for round in 1 2; do
    for style in none watercolor; do
      mem=""; [ $style = none ] && mem="--memory 50,200"
      echo "## NEW, round $round, --style $style" >> $out
      bench_new --frames 200 --style $style $mem >> $out 2>&1
      echo "## BASE ($BASE), round $round, --style $style" >> $out
      bench_base --frames 200 --style $style $mem >> $out 2>&1
    done
  done
  rm -rf $T
  $V/vidcolor bench --model --weights $W > $R/r11_bench_model.txt 2>&1
fi
if [ "${1:-}" = agree ]; then
  out=$R/r11_outputs_agree.txt
  T=$(mktemp -d)
  echo "# vidcolor process samples/sample.mp4 -o OUT [--style S]: this code vs round 10's ($BASE); scripts/compare_videos.py, $(date -u +%F)" > $out
  for style in none watercolor; do
    $V/vidcolor process samples/sample.mp4 -o $T/new_$style.mp4 --style $style -q --weights $W
    (cd $BT && PYTHONPATH=$BT $OLDPWD/$V/python -m vidcolor process $OLDPWD/samples/sample.mp4 -o $T/base_$style.mp4 --style $style -q --weights $OLDPWD/$W)
    echo "## --style $style" >> $out
    $V/python scripts/compare_videos.py $T/new_$style.mp4 $T/base_$style.mp4 >> $out 2>&1
  done
  rm -rf $T
  # the network's bf16 output against its fp32 output, each version (fp32: the two agree to 3e-4 Lab)
  echo "## bf16 vs fp32, NEW (scripts/bf16_error.py)" >> $out
  $V/python scripts/bf16_error.py --weights $W >> $out 2>&1
  echo "## bf16 vs fp32, BASE ($BASE)" >> $out
  PYTHONPATH=$BT $V/python scripts/bf16_error.py --weights $W >> $out 2>&1
fi
if [ "${1:-}" = heldout ]; then
  # round 10's held-out figures with this code (bf16 rounding differs: BatchNorm folded); data as in measure_round10.sh
  out=$R/r11_eval_heldout.txt
  echo "# bash scripts/measure_round11.sh heldout   (vidcolor eval --ref data/SET --weights $W --report DIR; scripts/pool_eval.py), round 11's code, $(date -u +%F)" > $out
  for set in heldout_test heldout_public heldout_opencv; do
    $V/vidcolor eval --ref data/$set --weights $W --report /tmp/r11h_$set > /tmp/r11h_$set.txt 2>&1
  done
  { echo "# test half of the own split (28 photos never used for any choice)"; $V/python scripts/pool_eval.py /tmp/r11h_heldout_test/metrics.json
    echo "# 20 public photos pooled (scikit-image 5, opencv-doc 15)"
    $V/python scripts/pool_eval.py /tmp/r11h_heldout_public/metrics.json /tmp/r11h_heldout_opencv/metrics.json; } >> $out
fi
if [ "${1:-}" = control ]; then
  # 10 true-color points (one draw, vidcolor eval --hint-points 10) and the styles' separation, with this code
  out=$R/r11_control_photos.txt
  echo "# bash scripts/measure_round11.sh control   (vidcolor eval --ref data/SET --weights $W --hint-points 10 --no-semantic; scripts/pool_eval.py), $(date -u +%F)" > $out
  for set in heldout_test heldout_public heldout_opencv; do
    $V/vidcolor eval --ref data/$set --weights $W --hint-points 10 --no-semantic --report /tmp/r11c_$set > /tmp/r11c_$set.txt 2>&1
  done
  { echo "# test half of the own split (28)"; $V/python scripts/pool_eval.py /tmp/r11c_heldout_test/metrics.json
    echo "# 20 public photos pooled (scikit-image 5, opencv-doc 15)"
    $V/python scripts/pool_eval.py /tmp/r11c_heldout_public/metrics.json /tmp/r11c_heldout_opencv/metrics.json; } >> $out
  $V/python scripts/style_distances.py data/heldout_public data/heldout_opencv --weights $W > $R/r11_style_distances.txt 2>&1
fi
if [ "${1:-}" = parts ]; then
  # where bf16 strays from fp32: each part in fp32 (scripts/bf16_parts.py), on the code before the fix (PREFIX) and this code
  PREFIX=${PREFIX:-96021f2}
  PT=/tmp/vidcolor_prefix_$PREFIX
  [ -d $PT ] || git worktree add --detach $PT $PREFIX
  out=$R/r11_bf16_parts.txt
  echo "# python scripts/bf16_parts.py --weights $W: the code before the fix ($PREFIX, PYTHONPATH) and this code, $(date -u +%F)" > $out
  echo "## before the fix ($PREFIX)" >> $out
  PYTHONPATH=$PT $V/python scripts/bf16_parts.py --weights $W >> $out 2>&1
  echo "## this code (stem and first block in fp32 under autocast)" >> $out
  $V/python scripts/bf16_parts.py --weights $W >> $out 2>&1
fi
if [ "${1:-}" = memory ]; then
  # peak RSS in fresh processes over 50, 300 and 1200 frames of a 640×480 clip: flat in film length with the
  # heap kept (vidcolor.allocator)? Both versions.
  make_bench_clip 1200
  out=$R/r11_memory.txt
  echo "# vidcolor bench gray_640x480.mp4 (1200 frames) --frames 50 --memory 50,300,1200 --weights $W: this code and round 10's ($BASE), $(date -u +%F)" > $out
  echo "## NEW" >> $out
  bench_new --frames 50 --memory 50,300,1200 2>&1 | grep -i "rss" >> $out
  echo "## BASE ($BASE)" >> $out
  bench_base --frames 50 --memory 50,300,1200 2>&1 | grep -i "rss" >> $out
  rm -rf $T
fi
if [ "${1:-}" = malloc ]; then
  # the allocator settings alone: round 10's code (which sets none) with and without glibc's own tunables at
  # vidcolor.allocator's values, alternately, two rounds
  make_bench_clip 240
  out=$R/r11_malloc_ab.txt
  echo "# round 10's code ($BASE): vidcolor bench gray_640x480.mp4 --frames 200, glibc defaults vs MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=536870912, $(date -u +%F)" > $out
  for round in 1 2; do
    for mode in default tuned; do
      echo "## $mode, round $round" >> $out
      if [ $mode = tuned ]; then
        MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=536870912 bench_base --frames 200 2>&1 | grep -E "^(model|pipeline) " >> $out
      else
        bench_base --frames 200 2>&1 | grep -E "^(model|pipeline) " >> $out
      fi
    done
  done
  rm -rf $T
fi
