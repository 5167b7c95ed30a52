"""Segmented, resumable rendering of one film: plan → render segments → join.

:func:`process_video_segmented` gives the same frames, timestamps and audio as
:func:`vidcolor.process.process_video`, but renders the film as independent segments cut at
keyframes (:mod:`vidcolor.batch.plan`), each into its own file in a work folder next to the output
(``<output>.vidcolor-work/``), recorded in a journal (:mod:`vidcolor.batch.journal`). A rerun
reuses every segment whose file still verifies, so a crash, a Ctrl-C or a lost machine costs at
most the segments that were in flight. Segments are rendered here one by one, or spread over a Ray
cluster (``ray_address``, :mod:`vidcolor.batch.ray_backend`). The final file is the segments'
packets joined without re-encoding, with the source's audio (:mod:`vidcolor.batch.concat`),
written atomically; the work folder is deleted afterwards.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

from vidcolor.batch.concat import concat_segments
from vidcolor.batch.journal import Journal, input_identity, segment_record_ok
from vidcolor.batch.plan import Segment, plan_segments, plan_to_dict, scan_keyframes, segments_from_plan
from vidcolor.batch.render import LocalExecutor, SegmentJob, colorizer_for
from vidcolor.errors import VidcolorError
from vidcolor.io.lock import locks_output
from vidcolor.io.sequence import is_input, is_sequence
from vidcolor.io.truncation import refuse_truncated
from vidcolor.pipeline.engine import DEFAULT_RENDER_SIZE, Colorizer, bundled_weights, check_saturation, working_size
from vidcolor.pipeline.scenes import Cut, write_cut_list
from vidcolor.outputs import PROGRESSIVE_NOTE, ProcessResult, auto_codec, check_codec, check_output, check_side_output

DEFAULT_SEGMENT_SECONDS = 60.0
AUTO_SEGMENT_AFTER = 120.0  # s of film: `vidcolor process` renders longer videos in segments unless --no-resume
WORK_PER_SEGMENT = 30.0     # s of rendering one automatically sized segment should take (about)
CPU_MODEL_RATE = 1.85e6     # working-size pixels/s through the network (and flow) on a 2-core CPU; CUDA: 10x
CPU_FULL_RATE = 2.1e7       # full-size pixels/s of decoding, finishing and encoding on a 2-core CPU; CUDA: 10x
DEFAULT_WARMUP = 24  # frames: joins then match a single pass to ±1 code value (README, "Running on a cluster")

WORK_SUFFIX = ".vidcolor-work"

__all__ = ["AUTO_SEGMENT_AFTER", "DEFAULT_SEGMENT_SECONDS", "DEFAULT_WARMUP", "default_warmup", "Segment", "SegmentedResult", "auto_segment_seconds", "plan_segments",
           "process_video_segmented", "scan_keyframes", "work_folder"]


@dataclass
class SegmentedResult(ProcessResult):
    """A :class:`ProcessResult` plus what the segmented run did: ``segments`` planned, the indices
    ``rendered`` in this run and ``reused`` from an earlier one, ``frames_rendered`` (warm-up not
    counted) and the ``work`` folder (deleted on success)."""

    segments: int = 0
    rendered: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    frames_rendered: int = 0
    work: Path | None = None

    @property
    def fps(self) -> float:
        """Frames rendered in this run per second (reused segments took no time here)."""
        return self.frames_rendered / self.seconds if self.seconds > 0 else 0.0


def default_warmup(style: str, temporal: bool = True, references: bool = False) -> int:
    """Warm-up frames for ``style``: :data:`DEFAULT_WARMUP`, or more where the style's stabilizer
    keeps its state longer (pencil's detail band: :meth:`TemporalStabilizer.settle_frames`) or,
    with ``references`` in plain colorization, where their full-size composite is smoothed again
    after the stabilizer (:meth:`~vidcolor.control.fullres.CompositeSmoother.settle_frames`: 36)."""
    from vidcolor.control.fullres import CompositeSmoother
    from vidcolor.pipeline.stabilize import TemporalStabilizer

    if not temporal:
        return DEFAULT_WARMUP
    stabilizer = TemporalStabilizer.for_style(style)
    frames = max(DEFAULT_WARMUP, stabilizer.settle_frames())
    if references and style == "none":   # a style takes references as hints only: nothing composited
        frames = max(frames, CompositeSmoother().settle_frames(stabilizer.strength))
    return frames


def work_folder(output: str | os.PathLike) -> Path:
    """``<output>.vidcolor-work`` next to the output: segment files and the journal."""
    out = Path(output)
    return out.with_name(out.name + WORK_SUFFIX)


def model_fingerprint(model, base_only: bool = False) -> str:
    """SHA-256 of a model's tensors (names and values), wherever they were loaded from, and of the
    decoding settings in its config (a chroma-class head's temperature).

    ``base_only``: the tensors of the base network alone — no chroma classification head
    (``ab_classifier.*``), no config — what a style pack depends on (packs render through the styled
    path, which the head never touches), so adding or retraining a head keeps packs valid."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        if base_only and name.startswith("ab_classifier."):
            continue
        h.update(name.encode())
        h.update(t.detach().to("cpu").contiguous().numpy().tobytes())
    if not base_only and getattr(model.config, "ab_classes", 0):
        h.update(model.config.to_json().encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=8)
def _file_fingerprint(path: str, size: int, mtime_ns: int) -> tuple[str, tuple[str, ...]]:
    from vidcolor.models.serialization import load_generator

    from vidcolor.models.serialization import weights_info

    model = load_generator(path)
    info = weights_info(path)
    return render_fingerprint(model, info), tuple(model.styles)


CALIBRATION_KEYS = ("chroma_gain", "chroma_gain_hints", "chroma_bias", "chroma_bias_hints")
"""Weights metadata that changes the output (:class:`vidcolor.pipeline.engine.Colorizer`)."""


def render_fingerprint(model, calibration: dict) -> str:
    """A render's weights fingerprint: :func:`model_fingerprint`, plus the chroma calibration
    (``CALIBRATION_KEYS`` of ``calibration``: a weights file's ``info``, or
    :attr:`Colorizer.calibration <vidcolor.pipeline.engine.Colorizer.calibration>`; kept in the file's
    metadata, not its tensors) — a re-calibrated file never joins old segments."""
    fingerprint = model_fingerprint(model)
    values = [calibration.get(k) for k in CALIBRATION_KEYS]

    def as_float(v):
        return None if v is None else [float(x) for x in v] if isinstance(v, (list, tuple)) else float(v)

    defaults = [1.0, None, [0.0, 0.0], None]
    norm = [None if as_float(v) == d else as_float(v) for v, d in zip(values, defaults)]
    if all(v is None for v in norm):
        return fingerprint
    return hashlib.sha256(json.dumps([fingerprint, norm]).encode()).hexdigest()


def weights_fingerprint(weights: str | os.PathLike | None) -> tuple[str, tuple[str, ...]]:
    """(:func:`model_fingerprint`, style names) of a weights file (the bundled one when None),
    loaded on the CPU once per process — for a driver whose workers load the model themselves."""
    path = Path(weights) if weights is not None else bundled_weights()
    if not path.is_file():
        raise VidcolorError(f"weights file not found: '{path}'")
    st = path.stat()
    return _file_fingerprint(str(path.resolve()), st.st_size, st.st_mtime_ns)


def auto_segment_seconds(info, device: str = "cpu", render_size: int = DEFAULT_RENDER_SIZE) -> float:
    """Film seconds per segment so that rendering one takes about :data:`WORK_PER_SEGMENT` s, so
    an interruption loses at most about that much work. A frame costs
    ``working px / CPU_MODEL_RATE + full px / CPU_FULL_RATE`` seconds (ten times faster on CUDA):
    the network runs at the working size whatever the frame size — a 320×240 film costs nearly as
    much per frame as a 640×480 one — and decoding, finishing and encoding at full size. Fitted to
    ``vidcolor bench`` on a 2-core CPU (round 11: 320×240 20.8 fps, 1920×1080 6.2 fps end to end;
    predicts 640×480 at 15.8 fps, measured 17.9–18.8: on the safe side). The result is kept in
    10..60 s of film (each segment also renders a warm-up, so much shorter ones would cost more
    than they save).

    On a CPU at the default render size: 320×240 at 25 fps 25.0 s; 640×480 at 24 fps 19.7 s;
    1080p: 10 s (the floor)."""
    h, w = int(info.height), int(info.width)
    wh, ww = working_size(h, w, render_size, 32) if render_size else (h, w)  # 32: the Lite encoder's multiple (an estimate)
    speed = 10.0 if device == "cuda" else 1.0
    fps = speed / (wh * ww / CPU_MODEL_RATE + h * w / CPU_FULL_RATE)
    return round(min(60.0, max(10.0, WORK_PER_SEGMENT * fps / float(info.frame_rate or 25))), 1)


def _segment_file(work: Path, index: int, ext: str) -> Path:
    return work / f"seg_{index:05d}{ext}"


def _clean_partials(work: Path, keep: set[str]) -> None:
    """Remove temporary files of killed runs and segment files the journal does not vouch for."""
    for p in work.iterdir():
        if p.name == "journal.json" or p.name in keep:
            continue
        if p.is_file() and (p.name.startswith(".") or p.name.startswith("seg_")):
            p.unlink()


def _open_journal(work: Path, inp: Path, settings: dict, resume: bool, segment_seconds: float, warmup: int) -> tuple[Journal, bool]:
    """The matching journal (resumed=True), or a fresh plan in an emptied work folder."""
    identity = input_identity(inp)
    journal = Journal.load(work / "journal.json") if resume else None
    if journal is not None and journal.matches(identity, settings):
        return journal, True
    index = scan_keyframes(inp)  # before the work folder is made: a Ctrl-C in the scan leaves none
    segments = plan_segments(index, segment_seconds, warmup)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return Journal.create(work / "journal.json", identity, settings, plan_to_dict(index, segments)), False


RENDER_VERSION = 8
"""What a frame looks like for given settings changed in round 8 (plain colorization keeps the
film's luma, scene cuts are checked against motion, hints spread non-locally): a work folder from
an earlier version starts over instead of joining old segments to new ones."""


@locks_output
def process_video_segmented(input: str | os.PathLike, output: str | os.PathLike, style: str = "none", *,
                            segment_seconds: float | None = None, warmup: int | None = None, resume: bool = True,
                            colorizer: Colorizer | None = None, weights: str | os.PathLike | None = None, device: str = "auto",
                            render_size: int | None = None, temporal: bool = True, codec: str | None = None, crf: int = 18,
                            overwrite: bool = False, batch_size: int | None = None, scenes: str | os.PathLike | None = None,
                            progress: Callable[[int, int | None], None] | None = None,
                            ray_address: str | None = None, ray_workers: int | None = None, executor=None,
                            on_segment: Callable[[int, dict], None] | None = None, keep_work: bool = False,
                            controls=None, deinterlace: bool = False, saturation: float | None = None,
                            allow_truncated: bool = False) -> SegmentedResult:
    """Colorize (and stylize) a video in resumable segments; same output as ``process_video``.

    ``segment_seconds``: target segment length (cuts at the first keyframe after it); None:
    :func:`auto_segment_seconds`. The output is locked for the run (:mod:`vidcolor.io.lock`): a
    second writer of it, or of its work folder, fails at once.
    ``warmup``: frames before each segment run through the model and stabilizer, not written
    (None: :func:`default_warmup` of the style, longer with reference keyframes).
    ``resume``: reuse the finished segments of an earlier run with the same input and settings
    (otherwise, or when they differ, start over). ``ray_address`` (``"auto"``, ``"local"``,
    ``"host:port"``, ``"ray://..."``): render the segments on a Ray cluster, where the workers load
    ``weights`` themselves (the bundled model when None; ``colorizer`` is then not used) and write
    to the work folder, which must be on storage they all see. ``executor``: an already started
    executor (:class:`~vidcolor.batch.render.LocalExecutor`, :class:`~vidcolor.batch.ray_backend.RayExecutor`),
    e.g. shared by a batch. ``on_segment(index, record)`` runs after each segment is journaled.
    ``progress(done_frames, total)`` is called after each batch of frames rendered here (after
    each segment when distributed). ``keep_work``: keep the work folder after success.
    ``render_size``: the working size (None: the given ``colorizer``'s, as ``process_video``
    takes it, else :data:`~vidcolor.pipeline.engine.DEFAULT_RENDER_SIZE`).
    ``saturation``: scale of the colors' chroma (:class:`~vidcolor.pipeline.engine.Colorizer`; None:
    the given ``colorizer``'s, else 1); segments render with it whatever the shared colorizer's is,
    and it is part of the journal's settings when it is not 1. A film cut off
    (:mod:`vidcolor.io.truncation`) is refused before any work unless ``allow_truncated``.
    ``controls`` (:class:`vidcolor.control.apply.Controls`): hints and reference keyframes; their
    planning pass runs once into the work folder (``hints/``, reused on resume when the control files
    are unchanged) and every segment reads the colors of its own frames from there.
    ``deinterlace``: deinterlace an interlaced input before colorizing (as in ``process_video``);
    each segment's warm-up gives its first frame the neighbour a single pass would. ``codec``:
    None picks one as ``process_video`` does (an input's alpha channel is kept where it can be).
    """
    inp, out = Path(input), Path(output)
    if not is_input(inp):
        raise VidcolorError(f"input not found: '{inp}'")
    codec = auto_codec(inp, out, codec)
    check_codec(out, codec, crf)
    check_output(inp, out, overwrite)
    if scenes:
        check_side_output(scenes, "--scenes", [(inp, out)], overwrite)
    if render_size is None:
        given = colorizer if colorizer is not None else executor.colorizer if isinstance(executor, LocalExecutor) else None
        render_size = given.render_size if given is not None else DEFAULT_RENDER_SIZE
    if segment_seconds is None:
        cuda = device == "cuda" or (colorizer is not None and colorizer.device.type == "cuda")
        segment_seconds = auto_segment_seconds(_probe(inp), "cuda" if cuda else "cpu", render_size)
    if segment_seconds <= 0:
        raise VidcolorError(f"segment length must be > 0 seconds, got {segment_seconds}")
    if warmup is None:
        warmup = default_warmup(style, temporal, references=bool(controls and controls.references))
    if warmup < 0:
        raise VidcolorError(f"warm-up must be >= 0 frames, got {warmup}")
    t0 = time.time()
    if isinstance(executor, LocalExecutor) and colorizer is None:
        colorizer = executor.colorizer
    distributed = ray_address is not None or (executor is not None and not isinstance(executor, LocalExecutor))
    if distributed:
        fingerprint, styles = weights_fingerprint(weights)
        from vidcolor.styles.packs import is_added_style

        if style not in styles and not is_added_style(style):  # workers load added styles from their style folder
            raise VidcolorError(f"style '{style}' is not in these weights; available: {', '.join(styles)}")
    else:
        if colorizer is None:
            colorizer = Colorizer(weights, device=device, render_size=render_size, saturation=1.0 if saturation is None else saturation)
        colorizer.style_index(style)
        fingerprint = render_fingerprint(colorizer.model, colorizer.calibration)
    settings = {"style": style, "weights": fingerprint, "render": RENDER_VERSION,
                "render_size": render_size, "temporal": temporal, "codec": codec, "crf": crf,
                "segment_seconds": float(segment_seconds), "warmup": warmup}
    if deinterlace:  # only when set, so journals written before the option still match
        settings["deinterlace"] = True
    saturation = check_saturation(saturation if saturation is not None else colorizer.saturation if colorizer is not None else 1.0)
    if saturation != 1.0:  # likewise
        settings["saturation"] = saturation
    preserve = colorizer.preserve if colorizer is not None else "luma"
    if preserve != "luma":
        settings["preserve"] = preserve
    if controls:
        from vidcolor.control.apply import controls_fingerprint

        settings["controls"] = controls_fingerprint(controls)
    from vidcolor.styles.packs import is_added_style, pack_path

    if is_added_style(style):  # a pack re-learned under the same name must not mix with old segments
        import hashlib

        settings["style_pack"] = hashlib.sha256(pack_path(style).read_bytes()).hexdigest()
    info = _probe(inp)  # a file that is no video fails here, before a work folder exists
    if not allow_truncated:
        refuse_truncated(inp, info)   # a film cut off: refused before any work (vidcolor.io.truncation)
    sequence_rate = str(info.frame_rate) if is_sequence(inp) else None   # (a sequence read at another --fps starts over)
    if sequence_rate is not None:
        settings["sequence_rate"] = sequence_rate
    # user colors: planned before a work folder exists, so bad hints leave nothing behind
    planned = (_plan_controls(work_folder(out), inp, controls, settings["controls"], colorizer, weights, render_size, deinterlace, saturation,
                              progress) if controls else None)
    work = work_folder(out)
    journal, resumed = _open_journal(work, inp, settings, resume, segment_seconds, warmup)
    segments = segments_from_plan(journal.plan)
    ext = out.suffix.lower()
    reused, pending = [], []
    for seg in segments:
        rec = journal.done(seg.index)
        if rec is not None and segment_record_ok(work / rec["file"], rec):
            reused.append(seg.index)
        else:
            journal.forget(seg.index)
            pending.append(seg)
    _clean_partials(work, {journal.done(i)["file"] for i in reused})
    hint_dir = None
    if controls:
        hint_dir = _install_plan(work, planned)
    jobs = [SegmentJob(str(inp.resolve()), str(_segment_file(work, s.index, ext).resolve()), s, style, temporal, codec, crf,
                       render_size, batch_size, hint_dir, deinterlace=deinterlace, saturation=saturation, preserve=preserve,
                       name=str(inp), sequence_rate=sequence_rate)
            for s in pending]
    total = journal.plan.get("frames")
    done_frames = sum(journal.done(i)["frames"] for i in reused)
    partial = [0]  # frames of the segment in progress (warm-up included), for the progress bar

    def on_batch(n: int) -> None:
        partial[0] += n
        if progress:
            progress(min(done_frames + partial[0], total or 10**12), total)

    own = None
    if executor is None and jobs:
        if ray_address is not None:
            from vidcolor.batch.ray_backend import RayExecutor

            try:
                executor = own = RayExecutor(ray_address, weights=weights, device=device, workers=ray_workers, max_workers=len(jobs))
            except BaseException:
                if not reused:  # no cluster: a work folder with nothing in it to resume is not left behind
                    shutil.rmtree(work, ignore_errors=True)
                raise
        else:
            executor = LocalExecutor(colorizer, on_batch)
    rendered, frames_rendered = [], 0
    try:
        try:
            for job, record in (executor.map(jobs) if jobs else ()):
                partial[0] = 0
                seg_path = Path(job.path)
                if not segment_record_ok(seg_path, record):
                    raise VidcolorError(f"segment file '{seg_path}' is missing or differs from what its worker wrote "
                                        "(is the work folder on storage every worker sees?)")
                journal.record(job.segment.index, record)
                rendered.append(job.segment.index)
                frames_rendered += record["frames"]
                done_frames += record["frames"]
                if progress:
                    progress(done_frames, total)
                if on_segment:
                    on_segment(job.segment.index, record)
        finally:
            if own is not None:
                own.close()
        records = [journal.done(s.index) for s in segments]
        parts = [(work / r["file"], Fraction(r["first_time"])) for r in records]
        ends = [r["video_end"] for r in records if r.get("video_end") is not None]
        notes = concat_segments(parts, out, info, codec, inp, max(ends) if ends else None)
    except BaseException as exc:  # Ctrl-C, SIGTERM, an error, also in the join: the finished segments stay for a rerun
        kept = len(reused) + len(rendered)
        if kept:
            exc.vidcolor_notes = [f"{kept} of {len(segments)} segment(s) are kept in '{work}'; "
                                  "run the same command again to continue"]
        else:  # nothing to continue from: no work folder is left beside the output
            shutil.rmtree(work, ignore_errors=True)
        raise
    if deinterlace and info.field_order == "progressive":
        notes.append(PROGRESSIVE_NOTE)
    for r in records:
        notes.extend(n for n in r.get("notes", []) if n not in notes)
    n = sum(r["frames"] for r in records)
    if total is not None and n != total:
        notes.append(f"rendered {n} frames, the keyframe scan counted {total}")
    cuts = [Cut(f, t, s) for r in records for f, t, s in r.get("cuts", [])]
    if scenes:
        write_cut_list(scenes, cuts, n, info.duration)
    if not keep_work:
        shutil.rmtree(work, ignore_errors=True)
    if resumed and reused:
        notes.append(f"resumed: reused {len(reused)} of {len(segments)} segment(s)")
    if controls:
        from vidcolor.control.reference import unkeyed_reference_notes

        notes += unkeyed_reference_notes(controls.references)
    return SegmentedResult(inp, out, "video", n, time.time() - t0, cuts, notes, segments=len(segments), rendered=sorted(rendered),
                           reused=reused, frames_rendered=frames_rendered, work=work)


def _plan_controls(work: Path, inp: Path, controls, fingerprint: str, colorizer, weights, render_size: int,
                   deinterlace: bool = False, saturation: float = 1.0, progress=None) -> str | None:
    """Run the hints' planning pass into a temporary folder (moved into the work folder once the
    journal is open: a resumed run plans again, which costs one decode up to the last annotated frame).
    Errors leave nothing behind."""
    import shutil
    import tempfile

    from vidcolor.control.apply import plan_video

    tmp = tempfile.mkdtemp(prefix="vidcolor-hints-")
    try:
        # the plan is at the film's working size: the batch's model with this film's render size
        col = (colorizer_for(colorizer, render_size, saturation) if colorizer is not None
               else Colorizer(weights, device="cpu", render_size=render_size, saturation=saturation))
        plan_video(inp, controls, col, tmp, deinterlace=deinterlace, progress=progress).finish(fingerprint)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _install_plan(work: Path, planned: str) -> str:
    """Move a fresh plan into ``work/hints`` (replacing an earlier one); returns that folder."""
    import shutil

    folder = work / "hints"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.move(planned, folder)
    return str(folder.resolve())


def _probe(inp: Path):
    from vidcolor.io.video import probe_video

    return probe_video(inp)
