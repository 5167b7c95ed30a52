#!/usr/bin/env bash
# End-to-end time of `vidcolor process samples/sample.mp4` (144 frames, 640×360) on an idle machine and
# next to one busy process: with the OpenMP wait policy the command line sets (PASSIVE, vidcolor.cli.main),
# with none set (libgomp's own default: the command line called without main()), ACTIVE, and one thread.
#   bash scripts/bench_threads.sh > docs/results/r9_bench_threads.txt
# Run alone on the machine.
cd "$(dirname "$0")/.."
source scripts/measure_env.sh
ARGS=(process samples/sample.mp4 -o /tmp/bench_threads.mp4 --overwrite -q)
run() {
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || echo "$label failed"
  t1=$(date +%s.%N)
  printf '%-40s %6.1f s\n' "$label" "$(echo "$t1 - $t0" | bc)"
}
cases() {
  run "$1, PASSIVE (vidcolor's default)" $V/vidcolor "${ARGS[@]}"
  run "$1, not set (libgomp's default)" env -u OMP_WAIT_POLICY $V/python -c 'from vidcolor.cli import cli; cli()' "${ARGS[@]}"
  run "$1, ACTIVE" env OMP_WAIT_POLICY=ACTIVE $V/vidcolor "${ARGS[@]}"
  run "$1, OMP_NUM_THREADS=1" env OMP_NUM_THREADS=1 $V/vidcolor "${ARGS[@]}"
}
echo "# bash scripts/bench_threads.sh   ($(nproc) cores; vidcolor process samples/sample.mp4, seconds)"
for round in 1 2; do
  cases idle
  $V/python -c "while True: pass" & busy=$!
  cases "1 busy process"
  kill $busy; wait $busy 2>/dev/null
done
