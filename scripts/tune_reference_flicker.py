"""Flicker with a reference keyframe, on real clips that are neither training nor held-out data.

The held-out clips (``eval_control.py videos``) must not choose settings, and clips made from
training photos by synthetic camera moves lack what makes a reference flicker (the per-frame flow
noise of real footage, compression, grain). This takes python3-mecavideo's *other* real clips —
every one but ``balle-jbart.mp4`` (held out) and the ``retroMars*`` animation: a classroom throw
(``balle1-vp9.avi``, 295 frames), two cyclists (``g1``/``g2``), three lab benches — and, per
variant, renders each with its true frame 0 as ``--reference 0=…`` and without, then reports PSNR
against the color original (frames 1…) and Lai et al.'s warping error (the original's flow).

    python scripts/tune_reference_flicker.py --variants current none beta=0.93 [--frames 101]

Variants (module settings of :mod:`vidcolor.control.fullres`, set for the run): ``current``;
``none`` (no full-size composite: the network with the reference as dense hints — a diagnosis);
``beta=B`` (:data:`COMPOSITE_SMOOTHING`); ``robust=S`` (:data:`COMPOSITE_ROBUST`, the chroma change
in ab units the composite's average follows instead of smoothing away); combined with commas
(``beta=0.95,robust=4``); ``full=R`` (:data:`FULL_RADIUS`, the full-size lightness test's radius, 0 = off);
``guided=R:EPS`` / ``guidedp=R:EPS`` (the composite guided-filtered by
the film's lightness, radius R full-size pixels, ε in (L*/100)²; ``guidedp``: weighted by the composite's
strength). Run alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
CLIPS = ROOT / "data/evalsrc/root/usr/share/pymecavideo/data/video"
NAMES = ("balle1-vp9.avi", "g1.avi", "g2.avi", "Force_constante.avi", "Principe_inertie.avi", "Effet_force_magnetique.ogv")


def _variant(name: str):
    """Apply variant ``name`` to the module settings; return a function that undoes it."""
    import vidcolor.control.fullres as fr
    import vidcolor.pipeline.frames as frames

    saved = {k: getattr(fr, k) for k in ("COMPOSITE_SMOOTHING", "COMPOSITE_ROBUST", "FULL_RADIUS")}
    saved_composite = frames.composite
    saved_method = frames.FrameProcessor._composite
    for part in name.split(","):
        if part == "none":
            frames.composite = lambda ab, plan, decisions, strength=False, lum=None: (ab, None) if strength else ab
        elif part.startswith("beta="):
            fr.COMPOSITE_SMOOTHING = float(part[5:])
        elif part.startswith("full="):
            fr.FULL_RADIUS = int(part[5:])
        elif part.startswith("robust="):
            fr.COMPOSITE_ROBUST = float(part[7:])
        elif part.startswith(("guided=", "guidedp=")):
            radius, eps = part.split("=")[1].split(":")
            frames.FrameProcessor._composite = _guided(saved_method, int(radius), float(eps), part.startswith("guidedp"))
        elif part != "current":
            raise SystemExit(f"unknown variant {part!r}")

    def undo():
        for k, v in saved.items():
            setattr(fr, k, v)
        frames.composite = saved_composite
        frames.FrameProcessor._composite = saved_method
    return undo


def _guided(method, radius: int, eps: float, by_strength: bool):
    """A ``FrameProcessor._composite`` whose composite is guided-filtered (He et al.) by the film's
    own lightness before the temporal smoothing — the reference's chroma edges snapped to the
    frame's luma edges; ``by_strength``: only as far as the reference was composited."""
    import vidcolor.pipeline.frames as frames
    from vidcolor.pipeline.upsample import guided_upsample_np

    def _composite(self, ab, r):
        out, p = frames.composite(ab, self.hint_plan, r.dense, strength=True)
        if p is not None:
            lum = self.lut[r.full_u8]
            gf = guided_upsample_np(out, lum, lum, radius=radius, eps=eps)
            out = out + p[..., None] * (gf - out) if by_strength else gf
        if self.composite_smoother is not None:
            if p is None:
                self.composite_smoother.reset()
            else:
                out = self.composite_smoother(out, p, r.motion, r.index, exact=any(d.dist == 0 for d in r.dense))
        return out
    return _composite


def main() -> None:
    from eval_control import _run, even, read_frames, write_video

    from vidcolor.control.apply import Controls
    from vidcolor.evaluation.evaluate import evaluate_video
    from vidcolor.pipeline.engine import Colorizer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", nargs="+", default=["current"])
    ap.add_argument("--frames", type=int, default=101)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    col = Colorizer(None)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sources = {}
        for name in NAMES:
            frames = [even(f) for f in read_frames(CLIPS / name, args.frames)]
            src = write_video(tmp / f"{Path(name).stem}.mkv", frames)
            ref = tmp / f"{Path(name).stem}_f0.png"
            cv2.imwrite(str(ref), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
            _run(col, src, tmp / f"{Path(name).stem}_auto.mkv", None)
            ea = evaluate_video(tmp / f"{Path(name).stem}_auto.mkv", src)
            sources[name] = (src, ref, ea)
        for variant in args.variants:
            undo = _variant(variant)
            try:
                rows = []
                for name, (src, ref, ea) in sources.items():
                    out = tmp / "ref.mkv"
                    _run(col, src, out, Controls(references=(f"0={ref}",)))
                    er = evaluate_video(out, src)
                    row = {"clip": name, "frames": len(er["vs_reference"]["psnr_per_frame"]),
                           "psnr_auto": float(np.mean(ea["vs_reference"]["psnr_per_frame"][1:])),
                           "psnr_ref": float(np.mean(er["vs_reference"]["psnr_per_frame"][1:])),
                           "we_auto": ea["warping_error"]["mean"], "we_ref": er["warping_error"]["mean"],
                           "we_original": ea["reference_warping_error"]["mean"]}
                    rows.append(row)
                    print(variant, json.dumps({k: round(v, 7) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
                results[variant] = rows
            finally:
                undo()
    print(f"\n{'variant':<14}{'PSNR ref (mean)':>16}{'WE ref/auto (mean)':>20}{'clips WE ≤ auto':>17}   per clip WE ref/auto")
    for variant, rows in results.items():
        ratios = [r["we_ref"] / r["we_auto"] for r in rows]
        print(f"{variant:<14}{np.mean([r['psnr_ref'] for r in rows]):>16.2f}{np.mean(ratios):>20.3f}"
              f"{sum(x <= 1.0 for x in ratios):>13} of {len(rows)}   " + " ".join(f"{x:.3f}" for x in ratios))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
