#!/usr/bin/env bash
# A 3-minute film (320x240, 25 fps, AAC), rendered once in full, then again with SIGTERM (handled like
# Ctrl-C) at 60 % of the full run's time, then the very same command rerun: time of the rerun vs a full run.
#   bash scripts/measure_resume.sh /tmp/film3
set -e
HERE=$(cd "$(dirname "$0")/.." && pwd)   # before cd: $0 may be relative
D=${1:-/tmp/film3}; mkdir -p "$D"; cd "$D"
V=${VENV:-$(dirname "$(command -v python)")}
[ -f film.mp4 ] || $V/python -c "
import sys; sys.path.insert(0, '$HERE')
from fractions import Fraction
from tests.clips import make_clip
make_clip('film.mp4', n_frames=4500, size=(320, 240), rate=Fraction(25), audio='aac', gray=True)"
rm -rf full.mp4 int.mp4 int.mp4.vidcolor-work
t0=$(date +%s.%N); $V/vidcolor process film.mp4 -o full.mp4 -q; t1=$(date +%s.%N)
TFULL=$(python3 -c "print($t1-$t0)"); echo "full run: $TFULL s"
$V/vidcolor process film.mp4 -o int.mp4 -q & P=$!
sleep "$(python3 -c "print(0.6*$TFULL)")"; kill -TERM $P; wait $P || echo "interrupted rc=$?"
ls -a | grep int || true
t0=$(date +%s.%N); $V/vidcolor process film.mp4 -o int.mp4 -q; t1=$(date +%s.%N)
TRE=$(python3 -c "print($t1-$t0)"); echo "rerun: $TRE s = $(python3 -c "print(round($TRE/$TFULL, 3))") of a full run"
