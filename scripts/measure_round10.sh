#!/usr/bin/env bash
# Round-10 figures into docs/results/r10_*: the automatic gain re-chosen on whole photos the model never saw.
#   bash scripts/measure_round10.sh calibrate  # split data/heldout into a calibration half and a test half
#                                              # (scripts/split_heldout.py), choose the automatic gain on the
#                                              # calibration half (colorfulness = the originals'), write runs/r10_calibrated.safetensors
#   bash scripts/measure_round10.sh heldout    # vidcolor eval (PSNR, colorfulness, top-1/top-5) of the bundled (OLD) and
#                                              # re-calibrated (NEW) weights on the test half, the whole own split and
#                                              # the 20 public photos; sheets of the public photos in /tmp/r10h_*
#   bash scripts/measure_round10.sh styles     # none–style distances on the 20 public photos and warping error of
#                                              # plain colorization and every style (6 camera-move clips), NEW weights
#   bash scripts/measure_round10.sh videos     # reference keyframes on the 5 held-out videos, NEW weights
#   bash scripts/measure_round10.sh control    # 10 true-color points on the held-out photos (vidcolor eval --hint-points 10)
#                                              # and the keyframe round trip on a 4-shot film, NEW weights
#   bash scripts/measure_round10.sh hints      # round 8's hint protocol (scripts/eval_control.py photos: 10 random
#                                              # points × 5 seeds, 1 and 3 points on the worst error), NEW weights
#   bash scripts/measure_round10.sh pack       # a style learned from a painting (GCompris' Van Gogh, 10 CPU-minutes) on
#                                              # 24 held-out photos: ab-histogram distance and edge correlation, NEW weights
#   bash scripts/measure_round10.sh sheets     # vidcolor eval of every style on the three held-out sets (r10_eval_styles_*)
#                                              # and the comparison sheets samples/sheet_heldout_*.jpg, NEW weights
#   bash scripts/measure_round10.sh speed      # 640×480 end to end, plain and watercolor (bench_pipeline.py), and the
#                                              # generator alone side by side with a ResNet101 encoder (vidcolor bench --model)
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
OLD=${OLD:-vidcolor/weights/starter.safetensors}
NEW=${NEW:-runs/r10_calibrated.safetensors}
if [ "${1:-}" = calibrate ]; then
  $V/python scripts/split_heldout.py data/heldout --calib data/heldout_calib --test data/heldout_test
  ls data/heldout_calib | sed 's|^|data/heldout_calib/|' > data/heldout_calib.txt
  mkdir -p runs
  { echo "# bash scripts/measure_round10.sh calibrate   (scripts/calibrate_chroma.py $OLD data/heldout_calib.txt --rule colorfulness --gain-only)"
    $V/python scripts/calibrate_chroma.py $OLD data/heldout_calib.txt --rule colorfulness --gain-only \
        --gains 1.0,1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,2.0 --write $NEW; } > $R/r10_calibration_clean.txt 2>&1
fi
if [ "${1:-}" = heldout ]; then
  out=$R/r10_eval_heldout.txt
  echo "# bash scripts/measure_round10.sh heldout   (vidcolor eval --ref data/SET --weights W --report DIR; scripts/pool_eval.py; semantic check: EfficientNet-Lite2 top-1/top-5)" > $out
  for tag in OLD NEW; do
    w=${!tag}
    for set in heldout_test heldout heldout_public heldout_opencv; do
      $V/vidcolor eval --ref data/$set --weights $w --report /tmp/r10h_${tag}_$set > /tmp/r10h_${tag}_$set.txt 2>&1
    done
    { echo "# $tag ($w): test half of the own split (28 photos never used for any choice)"; $V/python scripts/pool_eval.py /tmp/r10h_${tag}_heldout_test/metrics.json
      echo "# $tag: whole own split (56; half of it chose NEW's gain)"; $V/python scripts/pool_eval.py /tmp/r10h_${tag}_heldout/metrics.json
      echo "# $tag: 20 public photos pooled (scikit-image 5, opencv-doc 15)"
      $V/python scripts/pool_eval.py /tmp/r10h_${tag}_heldout_public/metrics.json /tmp/r10h_${tag}_heldout_opencv/metrics.json; } >> $out
  done
fi
if [ "${1:-}" = styles ]; then
  $V/python scripts/style_distances.py data/heldout_public data/heldout_opencv --weights $NEW > $R/r10_style_distances.txt 2>&1
  mkdir -p /tmp/t10; ls data/heldout/*.jpg | awk 'NR%9==1' | head -6 | xargs -I{} ln -sf $PWD/{} /tmp/t10/
  files=()
  for st in none watercolor oil pencil cartoon; do
    $V/python scripts/eval_temporal.py /tmp/t10 --weights $NEW --style $st --frames 32 --json /tmp/r10_temporal_$st.json > /tmp/r10_temporal_$st.txt 2>&1
    files+=(/tmp/r10_temporal_$st.json)
  done
  $V/python scripts/temporal_table.py "${files[@]}" > $R/r10_temporal_styles.txt
fi
if [ "${1:-}" = videos ]; then
  $V/python scripts/eval_control.py videos $OCV/vtest.avi $OCV/tree.avi $KIVY $MECA/balle-jbart.mp4 \
      data/cache/root/kphotoalbum/usr/share/kphotoalbum/demo/movie.avi --weights $NEW --frames 101 \
      --json $R/r10_control_videos.json > $R/r10_control_videos.txt 2>&1
fi
if [ "${1:-}" = control ]; then
  out=$R/r10_control_photos.txt
  echo "# bash scripts/measure_round10.sh control   (vidcolor eval --ref data/SET --weights W --hint-points 10 --no-semantic; scripts/pool_eval.py)" > $out
  for set in heldout_test heldout heldout_public heldout_opencv; do
    $V/vidcolor eval --ref data/$set --weights $NEW --hint-points 10 --no-semantic --report /tmp/r10c_$set > /tmp/r10c_$set.txt 2>&1
  done
  { echo "# test half of the own split (28)"; $V/python scripts/pool_eval.py /tmp/r10c_heldout_test/metrics.json
    echo "# whole own split (56)"; $V/python scripts/pool_eval.py /tmp/r10c_heldout/metrics.json
    echo "# 20 public photos pooled (scikit-image 5, opencv-doc 15)"
    $V/python scripts/pool_eval.py /tmp/r10c_heldout_public/metrics.json /tmp/r10c_heldout_opencv/metrics.json; } >> $out
  [ -n "${NO_ROUNDTRIP:-}" ] || $V/python scripts/eval_control.py roundtrip $KIVY $OCV/vtest.avi $MECA/balle-jbart.mp4 $OCV/tree.avi --weights $NEW --frames 60 \
      --json $R/r10_control_roundtrip.json > $R/r10_control_roundtrip.txt 2>&1
fi
if [ "${1:-}" = hints ]; then
  out=$R/r10_control_photos_draws.txt
  : > $out
  for set in heldout_test heldout_public heldout_opencv; do
    for seed in 0 1 2 3 4; do
      echo "== $set round10 random10 seed $seed" >> $out
      $V/python scripts/eval_control.py photos data/$set --weights $NEW --points 10 --seed $seed 2>&1 | tail -2 >> $out
    done
    for n in 1 3; do
      echo "== $set round10 worst$n" >> $out
      $V/python scripts/eval_control.py photos data/$set --weights $NEW --points $n --placement worst 2>&1 | tail -2 >> $out
    done
  done
  $V/python scripts/pool_control.py $out > $R/r10_control_photos_summary.txt
fi
if [ "${1:-}" = pack ]; then
  $V/python scripts/eval_style_pack.py --weights $NEW --minutes 10 --limit 24 --device cpu \
      --json $R/r10_style_pack_eval.json > $R/r10_style_pack_eval.txt 2>/tmp/r10_style_pack.err
fi
if [ "${1:-}" = sheets ]; then
  W=$NEW sheets_heldout r10
fi
if [ "${1:-}" = speed ]; then
  $V/python scripts/bench_pipeline.py --weights $NEW --styles none,watercolor --json $R/r10_bench_pipeline.json > $R/r10_bench_pipeline.txt 2>&1
  $V/vidcolor bench --model --weights $NEW > $R/r10_bench_model.txt 2>&1
fi
