"""Judge a style learned from a painting (issue 13, "a style from an image").

1. Takes a painting: ``--painting FILE``, or (default) assembles Van Gogh's "Village Street in Auvers"
   (1890) from the puzzle pieces in GCompris' ``paintings.rcc`` (gcompris-qt-data, GPL-3+ per the
   WebMuseum license; no painting is in the training data: ``prepare_data`` drops them by name).
2. Learns a style pack from it with ``learn_style`` (``--minutes``, default 10) into a private
   style folder (nothing is added to the user's).
3. On held-out photos (``--heldout``, default ``data/heldout/*.jpg``; turned gray first) renders the
   plain colorization and the learned style through ``Colorizer.colorize`` and reports per photo and
   on average:

   * ab-histogram distance to the painting: Lab ab in [-110, 110]², 32×32 bins, normalised to sum 1;
     distance = ½ Σ|p − q| (total variation, 0 = same palette, 1 = disjoint). ``closer`` =
     ``1 − d(output) / d(plain)`` (wanted: ≥ 0.30).
   * edge correlation with the input: Pearson correlation of the Sobel gradient magnitudes of the
     output's L* and the input gray (wanted: ≥ 0.5).

Run under ``nice -n 19``; ``--json OUT`` writes the numbers, ``--sheet OUT.png`` a side-by-side sheet
(input | plain | style) plus the painting.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
RCC = ROOT / "data/cache/root/gcompris-qt-data/usr/share/gcompris-qt/rcc/paintings.rcc"


def gcompris_painting(prefix: str = "gogh_auvert", rcc: Path = RCC) -> np.ndarray:
    """Assemble a GCompris puzzle painting: RGB uint8. Pieces are placed by the board file's
    ``x``/``y`` (fractions of the board size; piece centres) with their alpha."""
    sys.path.insert(0, str(ROOT / "scripts" / "dataprep"))
    from qrc import read_rcc

    files = read_rcc(rcc)
    board = next(v.decode() for k, v in files.items() if k.endswith(".qml") and f"image/{prefix}_".encode() in v)
    bw = int(re.search(r'"width"\s*:\s*(\d+)', board).group(1))
    bh = int(re.search(r'"height"\s*:\s*(\d+)', board).group(1))
    canvas = np.zeros((bh * 2, bw * 2, 3), np.float32)
    alpha = np.zeros((bh * 2, bw * 2), np.float32)
    for m in re.finditer(r'"pixmapfile"\s*:\s*"image/([^"]+)",\s*"x"\s*:\s*"([\d.]+)",\s*"y"\s*:\s*"([\d.]+)"', board):
        data = next(v for k, v in files.items() if k.endswith("/" + m.group(1)))
        im = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if im.shape[2] == 3:
            im = np.dstack([im, np.full(im.shape[:2], 255, np.uint8)])
        h, w = im.shape[:2]
        cx, cy = float(m.group(2)) * bw + bw // 2, float(m.group(3)) * bh + bh // 2
        x0, y0 = int(round(cx - w / 2)), int(round(cy - h / 2))
        a = im[..., 3:4].astype(np.float32) / 255
        canvas[y0:y0 + h, x0:x0 + w] = canvas[y0:y0 + h, x0:x0 + w] * (1 - a) + im[..., 2::-1] * a
        alpha[y0:y0 + h, x0:x0 + w] = np.maximum(alpha[y0:y0 + h, x0:x0 + w], a[..., 0])
    ys, xs = np.nonzero(alpha > 0.5)
    # the largest fully covered rectangle is close to the bounding box shrunk by a few px
    y0, y1, x0, x1 = ys.min() + 3, ys.max() - 3, xs.min() + 3, xs.max() - 3
    return np.clip(canvas[y0:y1, x0:x1], 0, 255).astype(np.uint8)


def ab_hist(rgb01: np.ndarray, bins: int = 32) -> np.ndarray:
    lab = cv2.cvtColor(rgb01.astype(np.float32), cv2.COLOR_RGB2LAB)
    h, _, _ = np.histogram2d(lab[..., 1].ravel(), lab[..., 2].ravel(), bins=bins, range=[[-110, 110], [-110, 110]])
    return h / h.sum()


def hist_distance(p: np.ndarray, q: np.ndarray) -> float:
    return 0.5 * float(np.abs(p - q).sum())


def edge_correlation(rgb01: np.ndarray, gray01: np.ndarray) -> float:
    def mag(x):
        x = x.astype(np.float32)
        return np.hypot(cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(x, cv2.CV_32F, 0, 1, ksize=3)).ravel()

    L = cv2.cvtColor(rgb01.astype(np.float32), cv2.COLOR_RGB2LAB)[..., 0] / 100.0
    return float(np.corrcoef(mag(L), mag(gray01))[0, 1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--painting", type=Path, help="painting image (default: GCompris' Van Gogh, Auvers)")
    ap.add_argument("--gcompris", default="gogh_auvert",
                    help="another GCompris puzzle painting by its file prefix (HokusaiBridge, MonaLisa, kandinky, …)")
    ap.add_argument("--heldout", type=Path, default=ROOT / "data" / "heldout")
    ap.add_argument("--limit", type=int, default=0, help="use N evenly spaced held-out photos (0 = all)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--steps", type=int, help="train exactly this many steps instead (quick checks)")
    ap.add_argument("--weights", type=Path, help="base generator (default: bundled)")
    ap.add_argument("--pack", type=Path, help="use this existing pack file instead of learning one")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--render-size", type=int, default=256)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--sheet", type=Path)
    args = ap.parse_args(argv)

    from vidcolor.color import rgb_to_gray
    from vidcolor.io.image import read_image
    from vidcolor.pipeline.engine import Colorizer

    import vidcolor.styles.packs as packs

    home = Path(tempfile.mkdtemp(prefix="vidcolor-eval-style-"))
    packs.styles_dir = lambda: home / "styles"  # a private style folder (the pretrained-weights cache stays where it is)
    if args.painting:
        painting = read_image(args.painting)
        painting_path, painting_name = args.painting, args.painting.name
    else:
        painting = gcompris_painting(args.gcompris)
        painting_path = home / f"{args.gcompris}.png"
        painting_name = (f"GCompris paintings.rcc: {args.gcompris}" +
                         (" (Van Gogh, Village Street in Auvers, 1890)" if args.gcompris == "gogh_auvert" else ""))
        cv2.imwrite(str(painting_path), painting[..., ::-1])
    if painting.ndim == 2:
        painting = np.repeat(painting[..., None], 3, 2)
    painting01 = painting.astype(np.float32) / (65535.0 if painting.dtype == np.uint16 else 255.0)

    t0 = time.time()
    if args.pack:
        (home / "styles").mkdir(parents=True)
        (home / "styles" / "learned.safetensors").write_bytes(args.pack.read_bytes())
    else:
        packs.learn_style("learned", painting_path, minutes=args.minutes, steps=args.steps, weights=args.weights, device=args.device,
                    progress=True)
    learn_s = time.time() - t0
    meta = packs.read_pack_metadata(home / "styles" / "learned.safetensors")
    col = Colorizer(args.weights, device=args.device, render_size=args.render_size)
    s_plain, s_new = col.style_index("none"), col.style_index("learned")
    h_paint = ab_hist(painting01)

    files = sorted(p for p in args.heldout.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if args.limit and len(files) > args.limit:  # evenly spaced, so every source package is represented
        files = [files[round(i * (len(files) - 1) / (args.limit - 1))] for i in range(args.limit)] if args.limit > 1 else files[:1]
    rows, sheet = [], []
    for f in files:
        img = read_image(f)
        rgb = torch.from_numpy(img.astype(np.float32) / 255.0).permute(2, 0, 1)[None] if img.ndim == 3 else \
            torch.from_numpy(img.astype(np.float32) / 255.0)[None, None].expand(1, 3, -1, -1)
        gray = rgb_to_gray(rgb)
        plain = col.colorize(gray, s_plain)[0].permute(1, 2, 0).cpu().numpy()
        styled = col.colorize(gray, s_new)[0].permute(1, 2, 0).cpu().numpy()
        g = gray[0, 0].numpy()
        d_plain, d_style = hist_distance(h_paint, ab_hist(plain)), hist_distance(h_paint, ab_hist(styled))
        rows.append({"photo": f.name, "hist_dist_plain": d_plain, "hist_dist_style": d_style,
                     "closer": 1 - d_style / d_plain, "edge_corr_style": edge_correlation(styled, g),
                     "edge_corr_plain": edge_correlation(plain, g)})
        if args.sheet and len(sheet) < 8:
            sheet.append((np.repeat(g[..., None], 3, 2), plain, styled))
    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "photo"}
    mean["closer_of_means"] = 1 - mean["hist_dist_style"] / mean["hist_dist_plain"]
    result = {"painting": painting_name, "heldout": str(args.heldout), "photos": len(rows), "learn_seconds": round(learn_s, 1),
              "pack": {k: meta.get(k) for k in ("minutes", "seconds", "steps", "losses", "base_weights")},
              "pack_bytes": (home / "styles" / "learned.safetensors").stat().st_size, "mean": mean, "per_photo": rows,
              "wanted": {"closer": ">= 0.30", "edge_corr_style": ">= 0.5"}}
    print(f"painting: {painting_name}")
    print(f"learned in {learn_s:.0f} s ({meta.get('steps')} steps), pack {result['pack_bytes'] / 1024:.0f} KB; {len(rows)} held-out photos")
    print(f"{'photo':<60} {'d(plain)':>8} {'d(style)':>8} {'closer':>7} {'edge r':>7}")
    for r in rows:
        print(f"{r['photo'][:60]:<60} {r['hist_dist_plain']:8.3f} {r['hist_dist_style']:8.3f} {r['closer']:7.1%} {r['edge_corr_style']:7.3f}")
    print(f"{'mean':<60} {mean['hist_dist_plain']:8.3f} {mean['hist_dist_style']:8.3f} {mean['closer']:7.1%} {mean['edge_corr_style']:7.3f}")
    print(f"ab-histogram distance to the painting: {mean['closer']:.1%} closer than plain (mean of per-photo ratios; "
          f"{mean['closer_of_means']:.1%} from the mean distances), wanted >= 30 %")
    print(f"edge correlation with the input: {mean['edge_corr_style']:.3f} (plain {mean['edge_corr_plain']:.3f}), wanted >= 0.5")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if args.sheet and sheet:
        th = 160
        def fit(x):
            h, w = x.shape[:2]
            return cv2.resize(x, (round(w * th / h), th), interpolation=cv2.INTER_AREA)
        lines = [np.hstack([fit(a) for a in trip]) for trip in sheet]
        wmax = max(l.shape[1] for l in lines + [fit(painting01)])
        lines = [fit(painting01)] + lines
        lines = [np.pad(l, ((0, 0), (0, wmax - l.shape[1]), (0, 0)), constant_values=1.0) for l in lines]
        cv2.imwrite(str(args.sheet), (np.clip(np.vstack(lines), 0, 1)[..., ::-1] * 255 + 0.5).astype(np.uint8))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
