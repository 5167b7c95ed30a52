#!/usr/bin/env bash
# Round-14 figures into docs/results/r14_*.
#   bash scripts/measure_round14.sh packs        # style packs from two more GCompris paintings (Hokusai, Mona Lisa; 10 CPU-minutes
#                                                # each) on the 24 held-out photos: r14_style_pack_{HokusaiBridge,MonaLisa}.{txt,json}
#   bash scripts/measure_round14.sh flicker      # reference keyframes on python3-mecavideo's other real clips (neither training nor
#                                                # held out), five composite settings: r14_tune_reference_flicker.{txt,json}
#   bash scripts/measure_round14.sh pack-temporal # warping error of an added style (the Hokusai pack, learned with 'vidcolor styles
#                                                # add', 10 CPU-minutes) vs plain colorization, on round 10's six temporal clips:
#                                                # r14_temporal_pack.txt
# Python: $VENV, else ./.venv (scripts/measure_env.sh). Run alone on the machine.
set -x
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
if [ "${1:-}" = packs ]; then
  for P in HokusaiBridge MonaLisa; do
    nice -n 5 $V/python scripts/eval_style_pack.py --gcompris $P --minutes 10 --limit 24 --device cpu \
       --json $R/r14_style_pack_$P.json > $R/r14_style_pack_$P.txt 2>/tmp/r14_pack_$P.err
  done
fi
if [ "${1:-}" = flicker ]; then
  $V/python scripts/tune_reference_flicker.py --variants current none beta=0.93 robust=4 beta=0.95,robust=4 \
      --json $R/r14_tune_reference_flicker.json > /tmp/r14_flicker.txt
fi
if [ "${1:-}" = pack-temporal ]; then
  export VIDCOLOR_HOME=/tmp/r14_home
  mkdir -p $VIDCOLOR_HOME
  $V/python -c "import sys, cv2; sys.path.insert(0, 'scripts'); from eval_style_pack import gcompris_painting; \
cv2.imwrite('/tmp/r14_hokusai.png', gcompris_painting('HokusaiBridge')[..., ::-1])"
  [ -f $VIDCOLOR_HOME/styles/hokusai.safetensors ] || $V/vidcolor styles add hokusai --image /tmp/r14_hokusai.png --minutes 10 -q
  mkdir -p /tmp/t10; ls data/heldout/*.jpg | awk 'NR%9==1' | head -6 | xargs -I{} ln -sf $PWD/{} /tmp/t10/
  files=()
  for st in none hokusai; do
    $V/python scripts/eval_temporal.py /tmp/t10 --style $st --frames 32 --json /tmp/r14_temporal_$st.json > /tmp/r14_temporal_$st.txt 2>&1
    files+=(/tmp/r14_temporal_$st.json)
  done
  $V/python scripts/temporal_table.py "${files[@]}" > $R/r14_temporal_pack.txt
fi
