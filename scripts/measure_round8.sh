#!/usr/bin/env bash
# Round-8 figures into docs/results/r8_*, for the weights W (default: the bundled model).
#   bash scripts/measure_round8.sh photos   # plain colorization keeping the input's luma vs its L*, on the three held-out
#                                           # photo sets turned gray both ways (L* and Rec.601 luma), automatic and with
#                                           # 10 true-color points (vidcolor eval --gray G --preserve P --hint-points 10)
#   bash scripts/measure_round8.sh videos   # reference keyframes on the 5 held-out videos (r8_control_videos.*), the
#                                           # keyframe round trip on a 4-shot film (r8_control_roundtrip.*)
#   bash scripts/measure_round8.sh hints    # 10 random true-color points (5 draws), 1 and 3 where a user would put
#                                           # them, with the spreading's non-local term (round 8) and without (round 7)
#   bash scripts/measure_round8.sh speed    # 640×480 end to end (bench_pipeline.py) and 768×576 automatic vs reference vs
#                                           # 10 points (eval_control.py speed): the finishing that keeps luma included
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine (2 cores).
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
if [ "${1:-photos}" = photos ]; then
  gray_protocols $R/r8_preserve_luma.txt r8p \
    "# bash scripts/measure_round8.sh photos   (vidcolor eval --ref data/SET --gray G --preserve P --hint-points 10 --no-semantic --report DIR; scripts/pool_eval.py)"
fi
if [ "${1:-}" = videos ]; then
  $V/python scripts/eval_control.py videos $OCV/vtest.avi $OCV/tree.avi $KIVY $MECA/balle-jbart.mp4 \
      data/cache/root/kphotoalbum/usr/share/kphotoalbum/demo/movie.avi --weights $W --frames 101 \
      --json $R/r8_control_videos.json > $R/r8_control_videos.txt 2>&1
  $V/python scripts/eval_control.py roundtrip $KIVY $OCV/vtest.avi $MECA/balle-jbart.mp4 $OCV/tree.avi --weights $W --frames 60 \
      --json $R/r8_control_roundtrip.json > $R/r8_control_roundtrip.txt 2>&1
fi
if [ "${1:-}" = speed ]; then
  $V/python scripts/bench_pipeline.py --weights $W --styles none --json $R/r8_bench_pipeline.json > $R/r8_bench_pipeline.txt 2>&1
  $V/python scripts/eval_control.py speed $OCV/vtest.avi --weights $W --counts 300 --json $R/r8_control_speed.json > $R/r8_control_speed.txt 2>&1
fi
if [ "${1:-}" = hints ]; then
  out=$R/r8_control_photos.txt
  : > $out
  for set in heldout heldout_public heldout_opencv; do
    for tag in round8 round7; do
      flag=; [ $tag = round7 ] && flag=--no-nonlocal
      for seed in 0 1 2 3 4; do
        echo "== $set $tag random10 seed $seed" >> $out
        $V/python scripts/eval_control.py photos data/$set --weights $W --points 10 --seed $seed $flag 2>&1 | tail -2 >> $out
      done
      for n in 1 3; do
        echo "== $set $tag worst$n" >> $out
        $V/python scripts/eval_control.py photos data/$set --weights $W --points $n --placement worst $flag 2>&1 | tail -2 >> $out
      done
    done
  done
  $V/python scripts/pool_control.py $out > $R/r8_control_photos_summary.txt
fi
