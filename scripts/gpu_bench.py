"""Issue 15's speed figures on a GPU: 1080p and 4K gray clips end to end and model-only, at the default
working size and at full resolution, with the shipped weights; one JSON line per measurement and a table.

Builds each clip (a slow pan over a bundled sample photo, gray, H.264) in a temporary folder, then runs
:func:`vidcolor.bench.run_bench` (decode, model, encode and the whole pipeline, each alone: where the
time goes) for every (size, render size) pair.

    python scripts/gpu_bench.py [--device cuda] [--frames 240] [--sizes 1920x1080,3840x2160] [--render-sizes 256,0] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import make_clip  # noqa: E402

from vidcolor.bench import format_bench, run_bench  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--sizes", default="1920x1080,3840x2160")
    ap.add_argument("--render-sizes", default="256,0", help="network short sides; 0 = full resolution")
    ap.add_argument("--batch", type=int, default=0, help="frames per inference batch (0: 4 on the CPU, 16 on a GPU)")
    ap.add_argument("--styles", default="none")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            w, h = (int(v) for v in size.split("x"))
            clip = make_clip(Path(tmp) / f"gray_{w}x{h}.mp4", n=args.frames, size=(w, h))
            for rs in (int(v) for v in args.render_sizes.split(",")):
                for style in args.styles.split(","):
                    t = time.time()
                    print(f"## {w}x{h}, render size {rs or 'full'}, style {style}", flush=True)
                    try:  # one failure (e.g. out of memory at 4K full size) must not lose the other rows
                        res = run_bench(clip, style=style, device=args.device, render_size=rs, frames=args.frames,
                                        batch=args.batch or (4 if args.device == "cpu" else 16))
                    except Exception as exc:  # noqa: BLE001 - a benchmark row reports what broke and goes on
                        res = {"error": f"{type(exc).__name__}: {exc}"}
                        print(res["error"], flush=True)
                    else:
                        print(format_bench(res), flush=True)
                    res.update({"clip": f"{w}x{h}", "render_size": rs, "style": style, "wall_s": round(time.time() - t, 1)})
                    rows.append(res)
                    print(json.dumps(res, default=str), flush=True)
                    if args.json:  # after every row: a timeout keeps what was measured
                        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
