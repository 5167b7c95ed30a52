#!/usr/bin/env bash
# Issue 15 in one call on a GPU machine (the `device` tool's nvidia-h200): the whole test suite with the
# CUDA tests, speed at 1080p and 4K (end to end and model-only, default and full working size, GPU
# utilisation sampled alongside), and short trainings on CUDA (bf16 and fp16 autocast, DDP over NCCL with
# torchrun, and the shipped architecture's samples/s). Everything lands in $OUT (default /tmp/gpu_out):
# copy it to docs/results/r8_gpu_* afterwards.
#
# That machine has PyTorch, OpenCV, click, PyYAML and safetensors but not PyAV and cannot reach PyPI: carry
# PyAV's wheel. Here, once, from the repository root (.whl/ is git-ignored):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .whl av==18.1.0
# then through the device tool, two calls back to back (the machine stays warm 30 s between them; the
# whole session has 15 device-minutes, start included):
#   run(command="bash scripts/gpu_check.sh tests bench", carry=[".whl"], timeout_s=420)
#   run(command="bash scripts/gpu_check.sh train", carry=[".whl"], timeout_s=280)
# (the steps' own limits sum to ~390 s and ~260 s: with a 1–2 minute start that leaves a few minutes of the
# session's 15 to rerun one phase)
# Each phase's steps have their own time limits so that a hang costs one step, not the call; each call
# leaves at most 7 files in $OUT (a call brings back 8 at most).
# (the repository plus that wheel is ~55 MB of the 64 MiB a call may carry: the ImageNet packages of
# vidcolor[train] do not fit, so the tests that need them skip, and the training uses the shipped weights).
# On a CPU machine, QUICK=1 DEVICE=cpu bash scripts/gpu_check.sh runs the same steps small (a dry run).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
DEVICE=${DEVICE:-cuda}
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
if ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ "${QUICK:-0}" = 1 ]; then FRAMES=8; SIZES=320x240; STEPS=3; TESTS="tests/pipeline"; else FRAMES=120; SIZES=1920x1080,3840x2160; STEPS=60; TESTS="tests"; fi
PHASES=" ${*:-tests bench train} "
step() { echo "== $(date +%T) $*" | tee -a "$OUT/steps.txt"; }

step environment
{ nvidia-smi 2>&1 | head -20
  $PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-')"
  $PY -c "import av; print('av', av.__version__)"
  $PY -c "import cv2; print('cv2', cv2.__version__)"
  nproc; } > "$OUT/environment.txt" 2>&1

if [[ $PHASES == *" tests "* ]]; then
step "tests: the CUDA ones first, then all of $TESTS"
{ timeout 60 $PY -m pytest -q -p no:cacheprovider -rs -k cuda $TESTS --timeout 50; echo "pytest -k cuda exit $?"
  timeout 110 $PY -m pytest -q -p no:cacheprovider -rs $TESTS --maxfail 20 --timeout 60; echo "pytest exit $?"; } > "$OUT/pytest.txt" 2>&1
tail -3 "$OUT/pytest.txt"
fi

if [[ $PHASES == *" bench "* ]]; then
step "speed: $SIZES, end to end and model-only, working size 256 and full"
DMON=
if command -v nvidia-smi >/dev/null; then nvidia-smi dmon -s u -d 1 > "$OUT/gpu_utilisation.txt" 2>&1 & DMON=$!; fi
timeout 170 $PY scripts/gpu_bench.py --device "$DEVICE" --frames $FRAMES --sizes $SIZES --render-sizes 256,0 --json "$OUT/bench.json" > "$OUT/bench.txt" 2>&1; echo "bench exit $?" >> "$OUT/bench.txt"
[ -n "$DMON" ] && kill "$DMON" 2>/dev/null
grep -E "^##|pipeline|model " "$OUT/bench.txt" | head -20
timeout 40 $PY -m vidcolor bench --model --device "$DEVICE" --rounds 2 > "$OUT/bench_model.txt" 2>&1; echo "bench --model exit $?" >> "$OUT/bench_model.txt"
fi

if [[ $PHASES == *" train "* ]]; then
step "training on $DEVICE: tiny config with bf16 and fp16 autocast, then torchrun (DDP, NCCL) on one GPU"
for amp in bf16 fp16; do
  timeout 40 $PY -m vidcolor train --config configs/tiny.yaml --out /tmp/gt_tiny_$amp --set device=$DEVICE --set amp=$amp \
      > "$OUT/train_tiny_$amp.txt" 2>&1; echo "exit $?" >> "$OUT/train_tiny_$amp.txt"
done
if [ "$DEVICE" = cuda ]; then
  timeout 60 $PY -m torch.distributed.run --nproc-per-node 1 -m vidcolor train --config configs/tiny.yaml --out /tmp/gt_ddp \
      --set device=cuda > "$OUT/train_ddp.txt" 2>&1; echo "exit $?" >> "$OUT/train_ddp.txt"
fi
step "training throughput of the shipped architecture (generated images, --init the bundled weights, no VGG losses)"
timeout 100 $PY -m vidcolor train --config configs/semantic_r3.yaml --out /tmp/gt_sem --init vidcolor/weights/starter.safetensors \
    --set device=$DEVICE --set model.pretrained=false --set data.images=null --set data.generate=64 --set data.cache_dir=/tmp/gt_cache \
    --set stages.pretrain.steps=$STEPS --set stages.pretrain.per=0 --set stages.pretrain.tex=0 --set log_every=10 \
    --set sample_every=0 --set checkpoint_every=0 --set threads=8 --set data.num_workers=4 --until pretrain \
    > "$OUT/train_semantic.txt" 2>&1; echo "exit $?" >> "$OUT/train_semantic.txt"
cp /tmp/gt_sem/log.jsonl "$OUT/train_semantic_log.jsonl" 2>/dev/null
grep -h samples_per_s /tmp/gt_sem/log.jsonl 2>/dev/null | tail -2
fi
step done
