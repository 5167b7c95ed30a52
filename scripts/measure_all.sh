#!/usr/bin/env bash
# Every figure in README.md and vidcolor/weights/README.md (run on an otherwise idle machine, after
# scripts/prepare_data.py and scripts/heldout_public.py). Outputs: docs/results/.
set -x
cd "$(dirname "$0")/.."
V=${VENV:-$(dirname "$(command -v python)")}
R=docs/results
mkdir -p $R samples/sheets
$V/vidcolor bench --model > $R/bench_model.txt 2>&1
$V/python scripts/bench_pipeline.py --json $R/bench_pipeline.json > $R/bench_pipeline.txt 2>&1
$V/python scripts/bench_fullres.py data/heldout > $R/bench_fullres.txt 2>&1
$V/python scripts/bench_fullres.py data/heldout --min-side 1080 > $R/bench_fullres_1080.txt 2>&1
$V/vidcolor eval --ref data/heldout --styles none,watercolor,oil,pencil,cartoon --report /tmp/report_heldout > $R/eval_heldout.txt 2>&1
cp /tmp/report_heldout/metrics.json $R/eval_heldout.json
$V/vidcolor eval --ref data/heldout_public --styles none,watercolor,oil,pencil,cartoon --report /tmp/report_public > $R/eval_heldout_public.txt 2>&1
cp /tmp/report_public/metrics.json $R/eval_heldout_public.json
$V/python scripts/eval_temporal.py data/heldout --json $R/eval_temporal.json > $R/eval_temporal.txt 2>&1
$V/python scripts/make_sheets.py data/heldout samples/sheets > $R/sheets.txt 2>&1
$V/python scripts/make_sheets.py data/heldout_public samples/sheets_public > $R/sheets_public.txt 2>&1
$V/python scripts/style_distances.py data/heldout data/heldout_public > $R/style_distances.txt 2>&1
# the sheets are committed as JPEG: samples/sheet_heldout_wallpapers.jpg, samples/sheet_heldout_skimage.jpg
