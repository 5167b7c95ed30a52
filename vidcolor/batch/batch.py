"""Batch jobs: many films into one output folder, each rendered in resumable segments.

Sources (mixed freely): a folder (its videos, sorted, not recursive), a glob (``"films/*.mkv"``;
``"films/**/*.mkv"`` looks in every subfolder too; the films go into the one output folder, so
two of one name in different subfolders clash and are refused before any work),
a single video, or a manifest — a CSV file with a header row, or a YAML list of mappings — with
one film per row and per-film settings::

    input,output,style,render_size,codec,crf,temporal,segment_seconds,reference,hints,deinterlace,saturation,fps
    reel1.mp4,,watercolor,,,,,,,,,,
    reel2.mkv,reel2_oil.mkv,oil,384,h264,16,true,120,0=reel2_f0.png,,true,1.2,
    scans/reel3_%06d.dpx,,,,,,,,,,,,18

``reference``: reference keyframes as ``FRAME=IMAGE`` (several separated by ``;``) or a folder
written by ``vidcolor keyframes`` — in YAML also a list of those, or a mapping ``FRAME: IMAGE``;
``hints``: a hints CSV (``x,y,color[,frame]``). Bad hints fail
that film (with the reason) before any of its frames are rendered. ``codec`` empty: h264, or for a
film with an alpha channel written to .mov/.mkv/.avi the codec that keeps it (as ``vidcolor
process``); ``deinterlace``: true to deinterlace an interlaced film (yadif) before colorizing;
``saturation``: scale of the colors' chroma (1 = the model's, 0 = gray, up to 4);
``fps``: the frame rate of an image-sequence film (``18``, ``24000/1001``; default: what a DPX
header states, else 24 — as ``vidcolor process --fps``), an error on a video row.
Empty cells take the command's defaults; manifest paths are relative to the manifest's folder,
outputs relative to the output folder (default name ``<stem>.<style>.<ext>``). Unknown columns and
bad values are errors (listing the valid ones) before anything runs.

Running: a film whose output exists and opens as a video is skipped (unless ``overwrite``); every
other film goes through :func:`~vidcolor.batch.segments.process_video_segmented` (so an
interrupted batch resumes mid-film); a film that fails is recorded with its reason and the batch
goes on. The model is loaded once (or once per Ray worker) for the whole batch.
"""

from __future__ import annotations

import csv
import functools
import glob
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from vidcolor.errors import VidcolorError
from vidcolor.io.sequence import is_input, is_sequence, numbered_runs, set_sequence_rate
from vidcolor.io.video import VIDEO_EXTS

MANIFEST_COLUMNS = ("input", "output", "style", "render_size", "codec", "crf", "temporal", "segment_seconds", "reference", "hints",
                    "deinterlace", "saturation", "fps")
MANIFEST_EXTS = frozenset({".csv", ".yaml", ".yml"})
CODECS = ("h264", "hevc", "prores", "ffv1", "mpeg4")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class FilmJob:
    """One film of a batch with its resolved settings. ``output=None``: the default name."""

    input: Path
    output: Path | None = None
    style: str = "none"
    render_size: int = 256
    codec: str | None = None             # None: h264, or the codec that keeps the film's alpha or depth (outputs.auto_codec)
    crf: int = 18
    temporal: bool = True
    segment_seconds: float | None = None  # None: sized from the frame size (segments.auto_segment_seconds)
    references: tuple[str, ...] = ()      # FRAME=IMAGE specs or keyframe folders (paths relative to the manifest)
    hints: str | None = None              # a hints CSV (x,y,color[,frame])
    deinterlace: bool = False             # deinterlace an interlaced film before colorizing
    saturation: float = 1.0               # scale of the colors' chroma (1 = the model's; Colorizer)
    fps: str | None = None                # an image sequence's frame rate (a Fraction as text; None: stated or 24)
    scanned: bool = False                 # found in a folder or by a glob (not named one by one)


@dataclass
class FilmOutcome:
    """``status``: ``done`` | ``skipped`` (output already complete) | ``failed`` (``detail`` = why)."""

    input: Path
    output: Path | None
    status: str
    detail: str = ""
    frames: int = 0
    seconds: float = 0.0
    notes: list = field(default_factory=list)


# -- sources and manifests -------------------------------------------------------------------------

def _bool(value, where: str, name: str = "temporal") -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise VidcolorError(f"{where}: {name} must be true or false, got '{value}'")


def _int(value, where: str, name: str, lo: int, hi: int | None = None) -> int:
    try:
        x = int(str(value).strip())
    except ValueError:
        raise VidcolorError(f"{where}: {name} must be an integer, got '{value}'") from None
    if x < lo or (hi is not None and x > hi):
        raise VidcolorError(f"{where}: {name} must be {f'in {lo}..{hi}' if hi is not None else f'>= {lo}'}, got {x}")
    return x


def _positive(value, where: str, name: str) -> float:
    try:
        x = float(str(value).strip())
    except ValueError:
        raise VidcolorError(f"{where}: {name} must be a number, got '{value}'") from None
    if not x > 0:
        raise VidcolorError(f"{where}: {name} must be > 0, got {value}")
    return x


def _controls(job: FilmJob):
    from vidcolor.control.apply import Controls

    c = Controls(hints=job.hints, references=tuple(job.references))
    return c if c else None


def _is_photo(path: Path) -> bool:
    from vidcolor.io.image import is_photo_file

    return is_photo_file(path)


def _is_film_file(path: Path) -> bool:
    """A file a folder or a glob of ``vidcolor batch`` takes as a film: a video extension, or a GIF of
    several pictures."""
    ext = path.suffix.lower()
    return ext in VIDEO_EXTS or (ext == ".gif" and not _is_photo(path))


def _not_a_photo(path: Path, where: str | None = None) -> None:
    """``vidcolor batch`` renders films: a photo is refused before any work, saying what to use."""
    if _is_photo(path):
        raise VidcolorError(f"{where + ': ' if where else ''}'{path}' is a photo; vidcolor batch renders videos "
                            f"(colorize photos with 'vidcolor process PHOTO... -o FOLDER')")


def _under(folder: Path, value: str) -> Path:
    """``value`` (a manifest cell) relative to the manifest's ``folder``, written without ``x/..`` detours
    when the shorter path names the same file (not through a symlinked folder), so messages stay readable."""
    joined = folder / value
    short = Path(os.path.normpath(joined))
    if short != joined:
        try:
            if not os.path.samefile(short, joined):
                return joined
        except OSError:  # missing: say it as written, shortened only when no symlink can be involved
            return short if ".." not in Path(value).parts else joined
    return short


def _reference_cells(value) -> list[str]:
    """A manifest's ``reference`` value as ``FRAME=IMAGE``/folder texts: a cell split at ``;``, or
    from YAML a list of such cells, or a mapping ``{FRAME: IMAGE}`` (``0: a.png``, ``12.5s: b.png``)."""
    if isinstance(value, dict):
        return [f"{frame}={'' if image is None else image}" for frame, image in value.items()]
    cells = value if isinstance(value, list) else [value]
    return [spec for cell in cells for spec in str(cell).replace(";", "\n").splitlines()]


def _job_from_row(row: dict, base: FilmJob, folder: Path, where: str) -> FilmJob:
    unknown = [k for k in row if k not in MANIFEST_COLUMNS]
    if unknown:
        raise VidcolorError(f"{where}: unknown column(s) {', '.join(map(str, unknown))}; valid: {', '.join(MANIFEST_COLUMNS)}")
    values = {k: v for k, v in row.items() if v is not None and str(v).strip() != ""}
    if "input" not in values:
        raise VidcolorError(f"{where}: 'input' is empty")
    changes: dict = {"input": _under(folder, str(values["input"]).strip())}
    _not_a_photo(changes["input"], where)
    if "output" in values:
        changes["output"] = Path(str(values["output"]).strip())
    if "style" in values:
        changes["style"] = str(values["style"]).strip()
    if "codec" in values:
        codec = str(values["codec"]).strip()
        if codec not in CODECS:
            raise VidcolorError(f"{where}: unknown codec '{codec}'; valid: {', '.join(CODECS)}")
        changes["codec"] = codec
    if "render_size" in values:
        changes["render_size"] = _int(values["render_size"], where, "render_size", 0)
    if "crf" in values:
        changes["crf"] = _int(values["crf"], where, "crf", 0, 51)
    if "segment_seconds" in values:
        changes["segment_seconds"] = _positive(values["segment_seconds"], where, "segment_seconds")
    if "temporal" in values:
        changes["temporal"] = _bool(values["temporal"], where)
    if "deinterlace" in values:
        changes["deinterlace"] = _bool(values["deinterlace"], where, "deinterlace")
    if "saturation" in values:
        from vidcolor.pipeline.engine import check_saturation

        try:
            changes["saturation"] = check_saturation(str(values["saturation"]).strip())
        except VidcolorError as exc:
            raise VidcolorError(f"{where}: {str(exc).replace('--saturation', 'saturation')}") from None
    if "fps" in values:
        from vidcolor.io.sequence import is_sequence, parse_rate

        if not is_sequence(changes["input"]):
            raise VidcolorError(f"{where}: fps sets the frame rate of an image sequence (scans/reel1_%06d.dpx); "
                                f"'{values['input']}' is a video, whose rate is its own")
        try:
            changes["fps"] = str(parse_rate(values["fps"]))
        except VidcolorError as exc:
            raise VidcolorError(f"{where}: fps: {exc}") from None
    if "reference" in values:  # "12=a.png; 83.2s=b.png" or a keyframe folder; paths relative to the manifest
        specs = []
        for spec in _reference_cells(values["reference"]):
            spec = spec.strip()
            if not spec:
                continue
            if "=" in spec and not _under(folder, spec).is_dir():
                frame, image = spec.split("=", 1)
                if not image.strip():
                    raise VidcolorError(f"{where}: reference '{spec}' has no image (FRAME=IMAGE, e.g. 0=frame0.png)")
                specs.append(f"{frame.strip()}={_under(folder, image.strip())}")
            else:
                specs.append(str(_under(folder, spec)))
        changes["references"] = tuple(specs)
    if "hints" in values:
        if isinstance(values["hints"], (list, dict)):
            raise VidcolorError(f"{where}: hints must be one CSV file (x,y,color[,frame]), got {values['hints']!r}")
        changes["hints"] = str(_under(folder, str(values["hints"]).strip()))
    return replace(base, **changes)


@functools.lru_cache(maxsize=1)
def _manifest_loader():
    """PyYAML's SafeLoader reading plain scalars as YAML 1.2 does: ``1:00`` and ``00:01:02.5`` stay
    text (YAML 1.1 reads them as base-60 numbers, 60 and 62.5: a reference at ``1:00`` — one minute —
    landed on frame 60), and so do ``off``/``yes`` (a style named ``off`` became ``False``).
    Decimal integers and floats, ``true``/``false`` and ``null`` are typed as before."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    dropped = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
    Loader.yaml_implicit_resolvers = {first: [(tag, rx) for tag, rx in resolvers if tag not in dropped]
                                      for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                                 re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"), list("-+.0123456789"))
    return Loader


def read_manifest(path: str | os.PathLike, base: FilmJob) -> list[FilmJob]:
    """Films of a CSV or YAML manifest, ``base`` giving the defaults (its ``input`` is ignored)."""
    path = Path(path)
    folder = path.parent
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as fh:  # -sig: spreadsheets save "CSV UTF-8" with a BOM
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            if not any(header):
                raise VidcolorError(f"manifest '{path}' is empty (it needs a header row: {', '.join(MANIFEST_COLUMNS)})")
            unknown = [h for h in header if h and h not in MANIFEST_COLUMNS]   # "": a trailing comma, checked per row
            sep = next((c for c in ";\t" if len(header) == 1 and c in header[0]), None)
            if sep and all(h.strip() in MANIFEST_COLUMNS for h in header[0].split(sep)):
                name = "semicolons" if sep == ";" else "tabs"
                raise VidcolorError(f"manifest '{path}' separates its columns with {name}; a CSV manifest's are separated by "
                                    "commas (in a spreadsheet: save as 'CSV (comma delimited)'), or write it as YAML")
            if unknown:
                raise VidcolorError(f"manifest '{path}' line 1 (the header): unknown column(s) {', '.join(unknown)}; "
                                    f"valid: {', '.join(MANIFEST_COLUMNS)}")
            reader.fieldnames = header
            rows = [(f"manifest '{path}' line {reader.line_num}", row) for row in reader]
            for where, row in rows:  # unnamed columns (a trailing comma, as spreadsheets save) must stay empty
                if str(row.pop("", None) or "").strip():
                    raise VidcolorError(f"{where}: a value in a column without a name in the header")
        for where, row in rows:
            if None in row:
                raise VidcolorError(f"{where}: more cells than columns")
    else:
        import yaml

        try:
            data = yaml.load(path.read_text(), Loader=_manifest_loader())   # noqa: S506 - a SafeLoader
        except yaml.YAMLError as exc:
            raise VidcolorError(f"manifest '{path}' is not valid YAML: {str(exc).splitlines()[0]}") from None
        if data is None:
            data = []
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise VidcolorError(f"manifest '{path}' must be a YAML list of mappings (one per film, keys: {', '.join(MANIFEST_COLUMNS)})")
        rows = [(f"manifest '{path}' item {i + 1}", row) for i, row in enumerate(data)]
    jobs = [_job_from_row(row, base, folder, where) for where, row in rows]
    if not jobs:
        raise VidcolorError(f"manifest '{path}' lists no films")
    return jobs


def collect_jobs(sources: list[str | os.PathLike], base: FilmJob) -> list[FilmJob]:
    """Films from folders, globs, manifests and single files (see the module docstring)."""
    jobs: list[FilmJob] = []
    for raw in sources:
        text = str(raw)
        p = Path(text)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and not q.name.startswith(".") and _is_film_file(q))
            if not found:
                runs = numbered_runs(sorted(q for q in p.iterdir() if q.is_file()))
                hint = f"; its numbered images are a film: give '{runs[0][0]}'" if runs else ""
                raise VidcolorError(f"folder '{p}' has no videos{hint}")
            jobs.extend(replace(base, input=q, scanned=True) for q in found)
        elif p.is_file() and p.suffix.lower() in MANIFEST_EXTS:
            jobs.extend(read_manifest(p, base))
        elif p.exists():
            _not_a_photo(p)
            jobs.append(replace(base, input=p))
        elif _GLOB_CHARS & set(text):
            found = sorted(Path(q) for q in glob.glob(text, recursive=True)   # not the segments of a work folder
                           if Path(q).is_file() and not any(part.endswith(".vidcolor-work") for part in Path(q).parts[:-1]))
            if not found:
                raise VidcolorError(f"no files match '{text}'")
            videos = [q for q in found if _is_film_file(q)]  # as a folder: photos, manifests, notes are left out
            if not videos:
                photos = [q for q in found if _is_photo(q)]
                if photos:
                    _not_a_photo(photos[0], f"'{text}' matches only photos")
                raise VidcolorError(f"'{text}' matches no videos ({', '.join(q.name for q in found[:3])}"
                                    f"{', …' if len(found) > 3 else ''})")
            jobs.extend(replace(base, input=q, scanned=True) for q in videos)
        else:
            jobs.append(replace(base, input=p))  # reported as failed (not found) when its turn comes
    return jobs


def resolve_outputs(jobs: list[FilmJob], out_dir: Path) -> tuple[list[FilmJob], list[tuple[FilmJob, FilmJob]]]:
    """Fill in output paths (relative ones go into ``out_dir``); two films may not share one, and
    no output may be an input (checked for all films before any is rendered). Outputs that exist
    are not an error here: a batch skips them (:func:`run_batch`).

    Returns ``(jobs, earlier)``: a film found in a folder or by a glob that is *another film's
    output* in this batch (``vidcolor batch films -o films`` run a second time finds its own
    results there) is not a new film: it goes to ``earlier`` as ``(that job, the film it is the
    output of)``, not to ``jobs``. Named one by one, such a file is still a clash."""
    from vidcolor.outputs import check_clashes, check_codec, default_output, probe_codec, same_file_key

    resolved = [replace(job, output=default_output(job.input, job.style, job.codec, out_dir) if job.output is None else
                        (job.output if job.output.is_absolute() else out_dir / job.output)) for job in jobs]
    produced = {same_file_key(job.output): job for job in resolved}
    earlier = [(job, produced[same_file_key(job.input)]) for job in resolved
               if job.scanned and same_file_key(job.input) in produced and produced[same_file_key(job.input)] is not job]
    kept = [job for job in resolved if all(job is not e for e, _ in earlier)]
    check_clashes([(job.input, job.output) for job in kept], overwrite=True)
    for job in kept:   # an output no codec can write is the manifest's error: found before any film is rendered
        if not is_input(job.input):   # a missing film fails on its own, as before; the others still render
            continue
        try:
            if job.output.is_dir():
                raise VidcolorError(f"output '{job.output}' is a folder; give a file name")
            check_codec(job.output, job.codec or probe_codec(job.input, job.output.suffix.lower()), job.crf)
        except VidcolorError as exc:
            raise VidcolorError(f"'{job.input}': {exc}") from None
    return kept, earlier


def _check_styles(jobs: list[FilmJob], styles: tuple[str, ...]) -> None:
    from vidcolor.styles.packs import is_added_style

    for job in jobs:
        if job.style not in styles and not is_added_style(job.style):
            raise VidcolorError(f"'{job.input}': style '{job.style}' is not in these weights; available: {', '.join(styles)}")


def output_complete(path: Path) -> bool:
    """True if ``path`` exists and opens as a video with frames (outputs are written atomically, so
    one that opens is one a finished run renamed into place)."""
    if not path.is_file():
        return False
    from vidcolor.io.video import probe_video

    try:
        probe_video(path)
    except VidcolorError:
        return False
    return True


# -- running ---------------------------------------------------------------------------------------

def run_batch(jobs: list[FilmJob], out_dir: str | os.PathLike, *, weights: str | os.PathLike | None = None, device: str = "auto",
              overwrite: bool = False, resume: bool = True, warmup: int | None = None, batch_size: int | None = None,
              ray_address: str | None = None, ray_workers: int | None = None,
              on_film: Callable[[FilmOutcome], None] | None = None, allow_truncated: bool = False) -> list[FilmOutcome]:
    """Render every film of ``jobs`` into ``out_dir`` (created); returns one outcome per film.

    ``resume``: reuse finished segments of interrupted films. ``allow_truncated``: render films that
    are cut off (:mod:`vidcolor.io.truncation`; otherwise each fails on its own, before its render).
    ``ray_address``: spread the segments over a Ray cluster (``ray_workers`` actors; default one per GPU, else one per CPU).
    ``on_film(outcome)`` is called as each film ends.
    """
    from vidcolor.batch.segments import process_video_segmented, weights_fingerprint

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise VidcolorError(f"output '{out_dir}' is a file; batch output must be a folder")
    jobs, earlier = resolve_outputs(jobs, out_dir)
    _check_styles(jobs, weights_fingerprint(weights)[1])
    created = None  # the topmost folder this batch creates, if any
    if not out_dir.exists():
        created = out_dir.absolute()
        while not created.parent.exists():
            created = created.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes: dict[int, FilmOutcome] = {}

    def finish(k: int, outcome: FilmOutcome) -> None:
        outcomes[k] = outcome
        if on_film:
            on_film(outcome)

    for job, source in earlier:  # reported after the films, in the order found
        outcome = FilmOutcome(job.input, None, "skipped", f"the output of '{source.input.name}' in this batch, not a film to color")
        outcomes[len(jobs) + len(outcomes)] = outcome
        if on_film:
            on_film(outcome)
    todo = []
    for k, job in enumerate(jobs):
        if not overwrite and output_complete(job.output):
            finish(k, FilmOutcome(job.input, job.output, "skipped", "output exists"))
        else:
            todo.append((k, job))
    if not todo:
        return [outcomes[k] for k in sorted(outcomes)]
    executor = None
    try:
        if ray_address is not None:
            from vidcolor.batch.ray_backend import RayExecutor

            executor = RayExecutor(ray_address, weights=weights, device=device, workers=ray_workers)
        else:
            from vidcolor.batch.render import LocalExecutor
            from vidcolor.pipeline.engine import Colorizer

            executor = LocalExecutor(Colorizer(weights, device=device))
        for k, job in todo:
            t0 = time.time()
            try:
                if not is_input(job.input):
                    raise VidcolorError(f"input not found: '{job.input}'")
                job.output.parent.mkdir(parents=True, exist_ok=True)
                rate = job.fps is not None and is_sequence(job.input)
                if rate:   # read at this rate (the planner tells the workers), for this film only
                    set_sequence_rate(job.input, job.fps)
                try:
                    r = process_video_segmented(job.input, job.output, job.style, weights=weights, device=device, render_size=job.render_size,
                                                temporal=job.temporal, codec=job.codec, crf=job.crf, overwrite=True,
                                                segment_seconds=job.segment_seconds, warmup=warmup,
                                                resume=resume, batch_size=batch_size, executor=executor,
                                                controls=_controls(job), deinterlace=job.deinterlace, saturation=job.saturation,
                                                allow_truncated=allow_truncated)
                finally:
                    if rate:
                        set_sequence_rate(job.input, None)
            except VidcolorError as exc:
                finish(k, FilmOutcome(job.input, job.output, "failed", str(exc), seconds=time.time() - t0))
                continue
            except Exception as exc:  # noqa: BLE001 — a bug on one film must not lose the others
                finish(k, FilmOutcome(job.input, job.output, "failed", f"{type(exc).__name__}: {exc}", seconds=time.time() - t0))
                continue
            reused = f", {len(r.reused)}/{r.segments} segments reused" if r.reused else ""
            finish(k, FilmOutcome(job.input, job.output, "done", f"{r.frames} frames in {r.seconds:.1f} s{reused}", r.frames, r.seconds, r.notes))
    finally:
        if executor is not None:
            executor.close()
        if created is not None:  # a batch whose every film failed leaves no empty folders behind (work folders stay)
            _remove_empty_folders(created)
    return [outcomes[k] for k in sorted(outcomes)]


def _remove_empty_folders(root: Path) -> None:
    """Remove ``root`` and the folders below it that hold nothing (deepest first); keep the rest."""
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True) + [root]:
        try:
            folder.rmdir()
        except OSError:
            pass


def format_summary(outcomes: list[FilmOutcome]) -> str:
    """A plain-text table: status, input, output, detail; and the counts."""
    rows = [("status", "input", "output", "detail")] + [(o.status, str(o.input), str(o.output or ""), o.detail) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
    lines.append(f"{len(outcomes)} film(s): {counts['done']} done, {counts['skipped']} skipped (already done), {counts['failed']} failed")
    return "\n".join(line.rstrip() for line in lines)
