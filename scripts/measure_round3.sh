#!/usr/bin/env bash
# Round-3 figures (the fine-tune with oil teacher v2, configs/semantic_r3.yaml) into docs/results/r3_*,
# for the weights W (default: the bundled model). Same data as scripts/measure_round2.sh.
#   W=/tmp/r3.safetensors bash scripts/measure_round3.sh quick    # the shipping decision: styles and plain colorization
#   bash scripts/measure_round3.sh all                            # everything, for the shipped weights
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
$V/python scripts/style_distances.py data/heldout_public data/heldout_opencv --weights $W > $R/r3_style_distances.txt 2>&1
for set in heldout heldout_public heldout_opencv; do
  $V/vidcolor eval --ref data/$set --weights $W --styles none,watercolor,oil,pencil,cartoon --hint-points 10 --report /tmp/r3_$set > $R/r3_eval_${set}.txt 2>&1
  cp /tmp/r3_$set/metrics.json $R/r3_eval_${set}.json
done
[ "$1" = quick ] && exit 0
mkdir -p /tmp/t6; ls data/heldout/*.jpg | awk 'NR%9==1' | head -6 | xargs -I{} ln -sf $PWD/{} /tmp/t6/
for st in none watercolor oil pencil cartoon; do
  $V/python scripts/eval_temporal.py /tmp/t6 --weights $W --style $st --frames 32 --json /tmp/r3_temporal_$st.json > /tmp/r3_temporal_$st.txt 2>&1
done
$V/python scripts/temporal_table.py /tmp/r3_temporal_{none,watercolor,oil,pencil,cartoon}.json > $R/r3_temporal_styles.txt
$V/python scripts/eval_style_pack.py --weights $W --minutes 10 --limit 24 --device cpu --json $R/r3_style_pack_eval.json > $R/r3_style_pack_eval.txt 2>/tmp/r3_style_pack.err
$V/python scripts/eval_control.py photos data/heldout --weights $W --points 10 --json $R/r3_control_photos.json > $R/r3_control_photos.txt 2>&1
$V/python scripts/eval_control.py photos data/heldout_public --weights $W --points 10 --json $R/r3_control_photos_public.json > $R/r3_control_photos_public.txt 2>&1
$V/python scripts/eval_control.py photos data/heldout_opencv --weights $W --points 10 --json $R/r3_control_photos_opencv.json > $R/r3_control_photos_opencv.txt 2>&1
$V/python scripts/eval_control.py videos $OCV/vtest.avi $OCV/tree.avi $KIVY $MECA/balle-jbart.mp4 data/cache/root/kphotoalbum/usr/share/kphotoalbum/demo/movie.avi --weights $W --frames 101 --json $R/r3_control_videos.json > $R/r3_control_videos.txt 2>&1
$V/python scripts/eval_control.py roundtrip $KIVY $OCV/vtest.avi $MECA/balle-jbart.mp4 $OCV/tree.avi --weights $W --frames 60 --json $R/r3_control_roundtrip.json > $R/r3_control_roundtrip.txt 2>&1
$V/python scripts/eval_control.py speed $OCV/vtest.avi --weights $W --counts 100 300 --json $R/r3_control_speed.json > $R/r3_control_speed.txt 2>&1
$V/vidcolor bench --model --weights $W > $R/r3_bench_model.txt 2>&1
