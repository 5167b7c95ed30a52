#!/usr/bin/env bash
# Round-4 figures for issue 12 (reference composite smoothed along the motion, faster planning pass and
# composite, the gain with hints chosen with hints) into docs/results/r4_*, for the weights W
# (default: the bundled model). Same data as scripts/measure_round3.sh.
#   bash scripts/measure_round4.sh        # Python: $VENV, else ./.venv (scripts/measure_env.sh)
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
$V/python scripts/eval_control.py videos $OCV/vtest.avi $OCV/tree.avi $KIVY $MECA/balle-jbart.mp4 data/cache/root/kphotoalbum/usr/share/kphotoalbum/demo/movie.avi --weights $W --frames 101 --json $R/r4_control_videos.json > $R/r4_control_videos.txt 2>&1
$V/python scripts/eval_control.py speed $OCV/vtest.avi --weights $W --counts 100 300 --json $R/r4_control_speed.json > $R/r4_control_speed.txt 2>&1
for set in heldout heldout_public heldout_opencv; do
  $V/python scripts/eval_control.py photos data/$set --weights $W --points 10 --json $R/r4_control_photos${set#heldout}.json > $R/r4_control_photos${set#heldout}.txt 2>&1
done
for set in heldout heldout_public heldout_opencv; do   # the shipped weights' held-out eval: automatic and with 10 hint points
  $V/vidcolor eval --ref data/$set --weights $W --styles none --hint-points 10 > $R/r4_eval_${set}.txt 2>&1
done
$V/python scripts/eval_control.py roundtrip $KIVY $OCV/vtest.avi $MECA/balle-jbart.mp4 $OCV/tree.avi --weights $W --frames 60 --json $R/r4_control_roundtrip.json > $R/r4_control_roundtrip.txt 2>&1
$V/python scripts/tune_reference.py data/train --photos 6 --smoothing 0 0.85 --size 640x480 > $R/r4_tune_reference.txt 2>&1
