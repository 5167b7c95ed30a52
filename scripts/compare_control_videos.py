#!/usr/bin/env python3
"""Two ``eval_control.py videos`` results side by side (e.g. the same clips on two code versions):
per clip, PSNR with the reference keyframe, its margin over the static copy that keeps the film's
luma, and warping error (Lai et al., ×10⁻⁵) of automatic, reference and the color original, with the
reference's ratio to automatic's.

    python scripts/compare_control_videos.py BEFORE.json AFTER.json [--names before,after]
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--names", default="A,B", help="labels of the two files, comma-separated")
    args = ap.parse_args()
    na, nb = args.names.split(",")
    ra = {r["video"]: r for r in json.load(open(args.a))["videos"]}
    rb = {r["video"]: r for r in json.load(open(args.b))["videos"]}
    print(f"{'clip':<16} {'PSNR ref ' + na:>13} {'PSNR ref ' + nb:>13} {'Δ dB':>6}  {'vs copy ' + nb:>12}  "
          f"WE×1e5 auto / ref {na} / ref {nb} / original   ref÷auto {na} → {nb}")
    above = {na: 0, nb: 0}
    for name in ra:
        if name not in rb:
            continue
        a, b = ra[name], rb[name]
        we_auto = b["warping_error_automatic"]
        ratio_a, ratio_b = a["warping_error_reference"] / a["warping_error_automatic"], b["warping_error_reference"] / we_auto
        above[na] += ratio_a > 1
        above[nb] += ratio_b > 1
        print(f"{name:<16} {a['reference']:13.2f} {b['reference']:13.2f} {b['reference'] - a['reference']:+6.2f}  "
              f"{b['reference'] - b['static_copy_kept_luma']:+12.2f}  "
              f"{we_auto * 1e5:7.2f} / {a['warping_error_reference'] * 1e5:7.2f} / {b['warping_error_reference'] * 1e5:7.2f} / "
              f"{b['warping_error_original'] * 1e5:7.2f}   {ratio_a:.3f} → {ratio_b:.3f}")
    n = len(set(ra) & set(rb))
    print(f"warping error with the reference above automatic's on {above[na]} of {n} clips ({na}), {above[nb]} of {n} ({nb})")
    for label, path in ((na, args.a), (nb, args.b)):
        d = json.load(open(path))
        if d.get("cut"):
            print(f"cut film ({label}): frames after the reference's shot {d['cut']['difference_db']:+.2f} dB vs automatic")


if __name__ == "__main__":
    main()
