#!/bin/bash
# Peak memory and time of `vidcolor process` on one gray photo of 0.08, 12 and 48 megapixels (a benchmark,
# not a test; run it alone). Usage: bash scripts/photo_memory.sh [OUT_DIR]   (default /tmp/vidcolor_photo_memory)
set -e
here=$(cd "$(dirname "$0")/.." && pwd); P=$here/.venv/bin/python; V=$here/.venv/bin/vidcolor
out=${1:-/tmp/vidcolor_photo_memory}; mkdir -p "$out"; cd "$out"
for wh in "320 240" "4000 3000" "8000 6000"; do
  set -- $wh
  [ -f "g_$1.png" ] || $P -c "
import numpy as np; from PIL import Image
y, x = np.mgrid[0:$2, 0:$1]; Image.fromarray(((x // 40 + y // 40) % 2 * 100 + x * 100 // $1 + 50).astype(np.uint8)).save('g_$1.png')"
  rm -f "o_$1.jpg"
  /usr/bin/time -v "$V" process "g_$1.png" -o "o_$1.jpg" -q 2>&1 |
    awk -v s="$1x$2" '/Maximum resident/{rss=$6/1024} /Elapsed/{t=$NF} END{printf "%-10s peak RSS %7.0f MiB   wall %s\n", s, rss, t}'
done
