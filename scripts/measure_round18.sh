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
  sed -i '/^+ /d' $out   # (set -x's trace of the commands whose notes are kept)
  rm -rf $T
fi
if [ "${1:-}" = speed ]; then
  speed_alternating $R/r18_bench_pipeline.txt 2 "round 17"
fi
if [ "${1:-}" = agree ]; then
  readme_agree $R/r18_outputs_agree.txt "round 17"
fi
