#!/usr/bin/env bash
# Round-2 figures (the semantic model, hints/references, styles) into docs/results/, old model vs new.
# Needs: python scripts/prepare_data.py --out data; python scripts/heldout_public.py --out data/heldout_public;
# the opencv-doc sample photos/videos unpacked in data/evalsrc (apt-get download opencv-doc python3-mecavideo;
# dpkg -x … data/evalsrc/root) and copied to data/heldout_opencv (see the model card); the round-1
# weights as data/starter_round1.safetensors (git show 079d16a:vidcolor/weights/starter.safetensors).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
OLD=data/starter_round1.safetensors
for set in heldout heldout_public heldout_opencv; do
  $V/vidcolor eval --ref data/$set --styles none,watercolor,oil,pencil,cartoon --hint-points 10 --report /tmp/r2_$set > $R/r2_eval_${set}.txt 2>&1
  cp /tmp/r2_$set/metrics.json $R/r2_eval_${set}.json
  $V/vidcolor eval --ref data/$set --weights $OLD --styles none,watercolor,oil,pencil,cartoon > $R/r2_eval_${set}_round1.txt 2>&1
done
$V/python scripts/style_distances.py data/heldout_public data/heldout_opencv > $R/r2_style_distances.txt 2>&1
$V/python scripts/style_distances.py data/heldout_public data/heldout_opencv --weights $OLD > $R/r2_style_distances_round1.txt 2>&1
$V/python scripts/eval_style_pack.py --minutes 10 --limit 24 --device cpu --json $R/r2_style_pack_eval.json > $R/r2_style_pack_eval.txt 2>&1
$V/python scripts/tune_spread.py --photos 30 > $R/r2_tune_spread.txt 2>/dev/null   # training photos only
# training photos only; results gathered by hand into r2_tune_reference.txt / r2_tune_stabilizer.txt:
$V/python scripts/tune_reference.py data/train --photos 6 --settings 50,0.02 20,0.02 10,0.05 0,0 100,0.02 200,0.02 50,0
$V/python scripts/tune_stabilizer.py data/train --style pencil --photos 6 --settings 0.85,200 0.95,200 0.85,200,0.97 0.9,100,0.97 0.9,50,0.98 0.9,25,0.98
$V/python scripts/eval_control.py photos data/heldout --points 10 --json $R/r2_control_photos.json > $R/r2_control_photos.txt 2>&1
$V/python scripts/eval_control.py photos data/heldout_public --points 10 --json $R/r2_control_photos_public.json > $R/r2_control_photos_public.txt 2>&1
$V/python scripts/eval_control.py photos data/heldout_opencv --points 10 --json $R/r2_control_photos_opencv.json > $R/r2_control_photos_opencv.txt 2>&1
$V/python scripts/eval_control.py videos $OCV/vtest.avi $OCV/tree.avi $KIVY $MECA/balle-jbart.mp4 data/cache/root/kphotoalbum/usr/share/kphotoalbum/demo/movie.avi --frames 101 --json $R/r2_control_videos.json > $R/r2_control_videos.txt 2>&1
$V/python scripts/eval_control.py roundtrip $KIVY $OCV/vtest.avi $MECA/balle-jbart.mp4 $OCV/tree.avi --frames 60 --json $R/r2_control_roundtrip.json > $R/r2_control_roundtrip.txt 2>&1
$V/python scripts/eval_control.py speed $OCV/vtest.avi --counts 100 300 --json $R/r2_control_speed.json > $R/r2_control_speed.txt 2>&1
$V/vidcolor bench --model > $R/r2_bench_model.txt 2>&1
$V/python scripts/bench_pipeline.py --json $R/r2_bench_pipeline.json > $R/r2_bench_pipeline.txt 2>&1
# sheets: the first page of each eval report, as JPEG: /tmp/r2_heldout_public/sheets/sheet_000.png →
# samples/sheet_heldout_skimage.jpg, /tmp/r2_heldout_opencv/… → samples/sheet_heldout_opencv.jpg,
# /tmp/r2_heldout/… → samples/sheet_heldout_wallpapers.jpg
# temporal stability per style (issue 13: warping error with a style ≤ 1.5× plain), 6 held-out photos as
# synthetic camera-move clips, plus a style pack learned in 3 minutes from GCompris' Van Gogh:
#   mkdir -p /tmp/t6; ls data/heldout/*.jpg | awk 'NR%9==1' | head -6 | xargs -I{} ln -sf $PWD/{} /tmp/t6/
#   VIDCOLOR_HOME=/tmp/home vidcolor styles add auvers --image auvers.png --minutes 3   (auvers.png: scripts/eval_style_pack.py's gcompris_painting())
#   for st in none oil watercolor pencil cartoon auvers; do VIDCOLOR_HOME=/tmp/home python scripts/eval_temporal.py /tmp/t6 --style $st --frames 32 --json /tmp/temporal_$st.json; done
# summary in docs/results/r2_temporal_styles.txt
