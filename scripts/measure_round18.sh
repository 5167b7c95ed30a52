#!/bin/bash
# Round 18's measurements (deep video: a 10-bit film keeps its depth; the weights are round 10's).
#   bash scripts/measure_round18.sh depth    # a 1280×720 10-bit gray master (scripts/depth_fidelity.py make), rendered
#                                            # by this code into FFV1, ProRes, HEVC (10-bit) and H.264, and by BASE (round 17:
#                                            # 8 bits) into FFV1 and ProRes: luma error and levels kept, time per render
#   bash scripts/measure_round18.sh speed    # 640×480 8-bit end to end, plain and watercolor, this code and BASE alternately
#   bash scripts/measure_round18.sh agree    # the README's command with this code and BASE: frame-by-frame PSNR between the renders
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
BASE=${BASE:-134947d}
base_worktree $BASE
if [ "${1:-}" = depth ]; then
  out=$R/r18_depth_fidelity.txt
  T=$(mktemp -d)
  $V/python scripts/depth_fidelity.py make $T/master.mkv --size 1280x720 --frames 48
  echo "# scripts/depth_fidelity.py on a 1280x720 10-bit FFV1 master (48 frames), vidcolor process --codec C, this code (NEW) and round 17's ($BASE, BASE), $(date -u +%F)" > $out
  for c in ffv1:mkv prores:mov hevc:mkv h264:mp4; do
    codec=${c%%:*}; ext=${c##*:}
    s=$(date +%s.%N); $V/vidcolor process $T/master.mkv -o $T/new_$codec.$ext --codec $codec -q --weights $W 2>>$out; e=$(date +%s.%N)
    echo "NEW $codec: $(echo "48 / ($e - $s)" | bc -l | cut -c1-5) frames/s end to end" >> $out
  done
  for c in ffv1:mkv prores:mov; do
    codec=${c%%:*}; ext=${c##*:}
    s=$(date +%s.%N); (cd $BT && PYTHONPATH=$BT $OLDPWD/$V/python -m vidcolor process $T/master.mkv -o $T/base_$codec.$ext --codec $codec -q --weights $OLDPWD/$W) 2>>$out; e=$(date +%s.%N)
    echo "BASE $codec: $(echo "48 / ($e - $s)" | bc -l | cut -c1-5) frames/s end to end" >> $out
  done
  $V/python scripts/depth_fidelity.py compare $T/master.mkv $T/new_ffv1.mkv $T/base_ffv1.mkv $T/new_prores.mov $T/base_prores.mov \
    $T/new_hevc.mkv $T/new_h264.mp4 >> $out 2>&1
  rm -rf $T
fi
if [ "${1:-}" = speed ]; then
  make_bench_clip 240
  out=$R/r18_bench_pipeline.txt
  echo "# vidcolor bench gray_640x480.mp4 (scripts/bench_pipeline.py's clip) --frames 200 --weights $W --style S: this code (NEW) and round 17's ($BASE, BASE) alternately, $(date -u +%F)" > $out
  for round in 1 2; do
    for style in none watercolor; do
      echo "## NEW, round $round, --style $style" >> $out
      bench_new --frames 200 --style $style >> $out 2>&1
      echo "## BASE ($BASE), round $round, --style $style" >> $out
      bench_base --frames 200 --style $style >> $out 2>&1
    done
  done
  rm -rf $T
fi
if [ "${1:-}" = agree ]; then
  out=$R/r18_outputs_agree.txt
  T=$(mktemp -d)
  echo "# vidcolor process samples/sample.mp4 -o OUT [--style S]: this code vs round 17's ($BASE); scripts/compare_videos.py, $(date -u +%F)" > $out
  for style in none watercolor; do
    $V/vidcolor process samples/sample.mp4 -o $T/new_$style.mp4 --style $style -q --weights $W
    (cd $BT && PYTHONPATH=$BT $OLDPWD/$V/python -m vidcolor process $OLDPWD/samples/sample.mp4 -o $T/base_$style.mp4 --style $style -q --weights $OLDPWD/$W)
    echo "## --style $style" >> $out
    $V/python scripts/compare_videos.py $T/new_$style.mp4 $T/base_$style.mp4 >> $out 2>&1
  done
  rm -rf $T
fi
