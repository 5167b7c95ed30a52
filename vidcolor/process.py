"""Library API: ``process_video``, ``process_image`` and ``process_paths`` (what the CLI calls).

All of them keep the input untouched and write their output atomically (a temporary sibling renamed
on success), so an error or Ctrl-C never leaves a truncated file at the output path.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from vidcolor.batch.segments import AUTO_SEGMENT_AFTER, process_video_segmented
from vidcolor.color import luma_to_lightness
from vidcolor.control.apply import Controls, image_hint_map, plan_video
from vidcolor.control.reference import unkeyed_reference_notes
from vidcolor.errors import VidcolorError
from vidcolor.inputs import check_found_once, check_not_inside, expand_inputs, find_inputs, plan_outputs
from vidcolor.io.photo_meta import metadata_notes, read_photo_metadata
from vidcolor.io.image import (IMAGE_EXTS, IMAGE_EXTS_16BIT, IMAGE_EXTS_ALPHA, file_notes, has_color, luma601, read_alpha, webp_lossless,
                               read_image, write_image)
from vidcolor.io.atomic import partial_pattern
from vidcolor.io.lock import OutputBusy, locks_output
from vidcolor.io.video import VideoReader, VideoWriter, is_video_file, probe_video
from vidcolor.io.codecs import holds_alpha, holds_depth, output_matrix
from vidcolor.io.sequence import film_like_runs, is_input, is_sequence
from vidcolor.io.truncation import refuse_truncated
from vidcolor.outputs import (COLOR_NOTE, PROGRESSIVE_NOTE, ProcessResult, auto_codec, check_clashes, check_codec, check_output, codec_choice,
                              check_crf_applies, check_side_output, default_output, ended_early_note, is_image,
                              video_input_notes)
from vidcolor.pipeline.engine import DEFAULT_RENDER_SIZE, Colorizer, check_saturation
from vidcolor.pipeline.frames import FrameProcessor
from vidcolor.pipeline.scenes import write_cut_list
from vidcolor.pipeline.stream import run_pipeline

__all__ = ["ProcessResult", "check_codec", "default_output", "expand_inputs", "find_inputs", "plan_outputs", "process_image", "process_paths", "process_video"]
_check_output = check_output  # the name before vidcolor.outputs existed


def check_batch_size(batch_size) -> None:
    """VidcolorError unless ``batch_size`` is None (automatic) or a whole number ≥ 1."""
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1):
        raise VidcolorError(f"batch size must be a whole number ≥ 1 (or None: automatic), got {batch_size!r}")


@locks_output
def process_video(input: str | os.PathLike, output: str | os.PathLike, style: str = "none", *, colorizer: Colorizer | None = None,
                  weights: str | None = None, device: str = "auto", render_size: int = DEFAULT_RENDER_SIZE, temporal: bool = True,
                  codec: str | None = None, crf: int = 18, overwrite: bool = False, batch_size: int | None = None, scenes: str | os.PathLike | None = None,
                  progress: Callable[[int, int | None], None] | None = None, max_frames: int | None = None,
                  controls: Controls | None = None, deinterlace: bool = False, saturation: float = 1.0,
                  allow_truncated: bool = False) -> ProcessResult:
    """Colorize (and stylize) a video, keeping every frame, its timestamps and all audio tracks.

    ``style``: ``none`` (plain colorization) or a style the weights know. ``temporal``: flow-guided
    stabilization and scene-cut resets. ``scenes``: write the detected cut list (CSV) there.
    ``controls``: color hints and reference keyframes (:class:`vidcolor.control.apply.Controls`),
    carried through each shot by optical flow in a planning pass before any output is written.
    ``progress(done, total)`` is called after each batch (and during the planning pass of
    ``controls``, if it has a ``stage`` method: :func:`~vidcolor.control.apply.plan_video`). ``batch_size``: frames per inference batch
    (default: 4 on CPU, sized from free memory on CUDA). ``deinterlace``: an interlaced input is
    deinterlaced (yadif, one frame per frame) before colorizing and written progressive; by default
    its field order is kept (:class:`~vidcolor.io.video.VideoReader`). ``saturation``: scale of the
    colors' chroma (:class:`~vidcolor.pipeline.engine.Colorizer`; a given ``colorizer`` keeps its
    own). ``codec``: None picks one
    (:func:`~vidcolor.outputs.auto_codec`: h264, or one that keeps the input's alpha channel or its
    depth in ``output``'s container); an alpha channel travels frame by frame beside the gray frames and is
    written unchanged where the codec holds one, else a note says it was dropped. A film cut off (a
    copy or download that stopped early, :mod:`vidcolor.io.truncation`) is refused before any work
    unless ``allow_truncated`` (then what there is is rendered, with a note).
    """
    inp, out = Path(input), Path(output)
    if not is_input(inp):
        raise VidcolorError(f"input not found: '{inp}'")
    if is_image(inp):
        raise VidcolorError(f"'{inp}' is a photo; colorize it with process_image (an image output)")
    check_batch_size(batch_size)
    codec = auto_codec(inp, out, codec)
    check_codec(out, codec, crf)
    check_output(inp, out, overwrite)
    if scenes:
        check_side_output(scenes, "--scenes", [(inp, out)], overwrite)
    if max_frames is None and not allow_truncated:
        refuse_truncated(inp, probe_video(inp))
    col = colorizer or Colorizer(weights, device=device, render_size=render_size, saturation=saturation)
    s_idx = col.style_index(style)
    t0 = time.time()
    with contextlib.ExitStack() as stack:
        plan = None
        if controls:
            plan = plan_video(inp, controls, col, stack.enter_context(tempfile.TemporaryDirectory(prefix="vidcolor-hints-")),
                              deinterlace=deinterlace, max_frames=max_frames, progress=progress)
        fp = FrameProcessor(col, s_idx, temporal=temporal, detect_scenes=scenes is not None, hint_plan=plan)
        n, info, notes = _render_video(inp, out, fp, col, codec, crf, batch_size, progress, max_frames, deinterlace)
    if scenes:
        write_cut_list(scenes, fp.cuts, n, info.duration)
    if controls:
        notes += unkeyed_reference_notes(controls.references)
    return ProcessResult(inp, out, "video", n, time.time() - t0, fp.cuts, notes)


def _render_video(inp, out, fp, col, codec, crf, batch_size, progress, max_frames, deinterlace=False):
    with VideoReader(inp, fmt="gray", deinterlace=deinterlace, alpha=holds_alpha(codec), deep=holds_depth(codec)) as reader:
        info = reader.info
        fp.matrix = output_matrix(info.matrix)
        total = info.frame_count if max_frames is None else min(max_frames, info.frame_count or max_frames)
        if batch_size is None:
            batch_size = col.suggest_batch_size(info.height, info.width)
        writer = VideoWriter(out, info, codec=codec, crf=crf, trim_audio=max_frames is not None, alpha=True)
        try:
            def source():
                for fr in reader.frames():
                    if max_frames is not None and fr.index >= max_frames:
                        return
                    yield fp.prepare(fr)

            done = [0]

            def on_batch(n):
                done[0] += n
                if progress:
                    progress(done[0], total)

            n = run_pipeline(source(), fp.infer, lambda r: writer.write(fp.finish(r), r.pts, alpha=r.alpha), batch_size=batch_size,
                             on_batch=on_batch)
            if n == 0:
                raise VidcolorError(f"'{inp}' has no decodable frames")
            writer.close()
        except BaseException as exc:
            writer.abort(exc)
            raise
        notes = list(writer.notes) + video_input_notes(info, reader.color_seen, reader.resized, reader.beyond_legal)
        if deinterlace and not info.deinterlaced:
            notes.append(PROGRESSIVE_NOTE)
        if reader.corrupt_packets:
            notes.append(f"skipped {reader.corrupt_packets} corrupt packet(s) in the input")
        early = None if max_frames is not None else ended_early_note(info, writer.media_end, n, reader.video_end)
        if early:
            notes.append(early)
    return n, info, notes


@locks_output
def process_image(input: str | os.PathLike, output: str | os.PathLike, style: str = "none", *, colorizer: Colorizer | None = None,
                  weights: str | None = None, device: str = "auto", render_size: int = DEFAULT_RENDER_SIZE, overwrite: bool = False,
                  controls: Controls | None = None, saturation: float = 1.0) -> ProcessResult:
    """Colorize (and stylize) one photo. 16-bit inputs give 16-bit PNG/TIFF outputs (other formats:
    8-bit, with a note); an alpha
    channel is carried through unchanged where the output format holds one (PNG, TIFF, WebP;
    otherwise a note says it was dropped). ``controls``: color hints (a CSV of points or a
    scribble image)."""
    inp, out = Path(input), Path(output)
    if out.suffix.lower() not in IMAGE_EXTS:
        why = " (vidcolor does not write GIF: its 256 colours cannot hold a colorization)" if out.suffix.lower() == ".gif" else ""
        raise VidcolorError(f"output '{out}' must be an image file ({', '.join(sorted(IMAGE_EXTS))}){why}")
    check_output(inp, out, overwrite)
    img = read_image(inp)
    alpha = read_alpha(inp)
    notes = [COLOR_NOTE] if has_color(img) else []
    notes += file_notes(inp)
    meta = read_photo_metadata(inp)
    notes += metadata_notes(meta, out.suffix)
    if alpha is not None and out.suffix.lower() not in IMAGE_EXTS_ALPHA:
        notes.append(f"alpha channel dropped: {out.suffix.lower()} cannot hold one (use {', '.join(sorted(IMAGE_EXTS_ALPHA))})")
        alpha = None
    depth = 16 if img.dtype == np.uint16 and out.suffix.lower() in IMAGE_EXTS_16BIT else 8
    if img.dtype == np.uint16 and depth == 8:
        notes.append(f"16-bit input written with 8 bits per sample: {out.suffix.lower()} cannot hold more "
                     f"(use {', '.join(sorted(IMAGE_EXTS_16BIT))})")
    t0 = time.time()
    col = colorizer or Colorizer(weights, device=device, render_size=render_size, saturation=saturation)
    s_idx = col.style_index(style)
    scale = np.float32(65535.0 if img.dtype == np.uint16 else 255.0)
    # a color photo is taken as its Rec.601 luma, like a video's Y plane (the luma plain colorization keeps)
    luma = luma601(img) if img.ndim == 3 else img.astype(np.float32)
    luma *= 1 / scale
    gray = luma_to_lightness(torch.from_numpy(luma)[None, None])
    del luma, img   # a large scan: only what is still needed stays in memory
    hints = image_hint_map(controls, tuple(gray.shape[-2:]), col) if controls else None
    rgb = col.colorize(gray, s_idx, hints)[0].permute(1, 2, 0).cpu().numpy()
    del gray
    lossless = out.suffix.lower() == ".webp" and webp_lossless(inp)   # a lossless master stays lossless
    write_image(out, rgb, bit_depth=depth, alpha=alpha, metadata=meta, quality=101 if lossless else 95)
    return ProcessResult(inp, out, "image", 1, time.time() - t0, notes=notes)


def process_paths(inputs: list[str | os.PathLike], output: str | os.PathLike | None = None, style: str = "none", *, weights: str | None = None,
                  device: str = "auto", render_size: int = DEFAULT_RENDER_SIZE, temporal: bool = True, codec: str | None = None, crf: int | None = None,
                  overwrite: bool = False, scenes: str | None = None, batch_size: int | None = None, compile: bool = False,
                  progress_factory=None, resume: bool | None = None, segment_seconds: float | None = None,
                  ray_address: str | None = None, ray_workers: int | None = None, controls: Controls | None = None,
                  deinterlace: bool = False, saturation: float = 1.0, skip_existing: bool = False, recursive: bool = False,
                  on_result: Callable[[ProcessResult], None] | None = None, allow_truncated: bool = False) -> list[ProcessResult]:
    """Process files and folders (what ``vidcolor process`` does). Validates everything first.
    ``controls`` (hints, references) need a single input. ``deinterlace`` and ``codec`` (None:
    chosen per video): see :func:`process_video`.

    Videos render in resumable segments (:func:`vidcolor.batch.segments.process_video_segmented`;
    rerunning the same call continues an interrupted one) when ``resume`` is True, when
    ``segment_seconds`` or ``ray_address`` (a Ray cluster) is given, or — ``resume=None``, the
    default — when they are longer than :data:`~vidcolor.batch.segments.AUTO_SEGMENT_AFTER`
    seconds; ``resume=False`` always renders in one pass. Every output name is checked (clashes
    with each other, with inputs, and with existing files unless ``overwrite``) before any work;
    an output folder is made after the checks, and removed again if nothing was written into it.
    ``crf``: None for the default (18); given, it is refused for a video whose codec has none
    (prores, ffv1 — also when chosen to keep an alpha channel).

    With several files (several inputs, or a folder), one that cannot be read or rendered — empty,
    damaged, not a video, a :class:`~vidcolor.errors.VidcolorError` of its own — does not stop the
    others: it comes back as a ``failed`` result (``detail`` says why; no output file is written
    for it), unreadable ones found before any work. Problems of the whole call (options, output
    names, weights, a full disk or quota) still raise. A single file raises as before.
    ``skip_existing``: files whose output already exists, or is being written by another vidcolor
    process, are left alone (``skipped`` results) instead of refused — rerun a folder after fixing
    or adding files, or after an interruption; name clashes are still refused.
    ``on_result(result)`` is called as each file is done, skipped or failed (those found before
    any work first); the list of them all is returned in the order of the files.
    ``recursive``: folders are searched in their subfolders too (:func:`find_inputs`), and the
    outputs keep the same subfolders inside the output folder."""
    from vidcolor.styles.packs import check_style_name

    check_style_name(style)  # built-in or added (vidcolor styles add)
    saturation = check_saturation(saturation)
    if isinstance(inputs, (str, os.PathLike)):   # one path, not a list of its characters
        inputs = [inputs]
    check_batch_size(batch_size)
    passed: list[tuple[Path, str]] = []
    found = find_inputs(inputs, recursive, exclude=output, passed=passed)
    files = [f for f, _ in found]
    several = len(files) > 1 or any(Path(i).is_dir() for i in inputs)
    if recursive and output is None:
        check_not_inside(inputs)
    outs, new_dirs = plan_outputs(files, output, style, codec, several, [s for _, s in found])
    check_found_once(files, outs)
    report = on_result or (lambda r: None)
    if skip_existing and overwrite:
        raise VidcolorError("--skip-existing leaves existing outputs alone and --overwrite replaces them; choose one")
    films = not any(is_image(f) for f in files)   # vidcolor batch renders films only
    check_clashes(list(zip(files, outs)), overwrite or skip_existing,
                  advice="render them one at a time with -o" + (", or use vidcolor batch with a manifest of outputs" if films else ""),
                  exists_advice="use --overwrite to replace it, or --skip-existing to leave it")
    skip = {f for f, o in zip(files, outs) if skip_existing and _finished(f, o)}
    if scenes is not None:
        if len(files) != 1 or is_image(files[0]):
            raise VidcolorError("--scenes writes the scene cuts of one video; give a single video input")
        if not skip:
            check_side_output(scenes, "--scenes", list(zip(files, outs)), overwrite, pending=new_dirs)
    if controls and len(files) != 1:
        raise VidcolorError("--hints, --hints-image and --reference apply to one input; give a single video or photo"
                            + (" (or use vidcolor batch with a manifest)" if films else " (render the photos one at a time)"))
    if resume is False and (segment_seconds is not None or ray_address is not None):
        raise VidcolorError("--no-resume renders in one pass; it cannot be combined with --segment-seconds or --ray")
    order = {f: i for i, f in enumerate(files)}
    run_notes = film_like_runs([f for f in files if is_image(f)])
    if run_notes:
        def report(r, _report=report):
            if r.input in run_notes:
                r.notes.insert(0, run_notes.pop(r.input))
            _report(r)
    settled: list[ProcessResult] = [ProcessResult(d, d, "folder", status="skipped", detail=why) for d, why in passed]
    settled += [_skipped(f, o, f"'{o}' exists") for f, o in zip(files, outs) if f in skip]
    readable, codecs, infos, unreadable = _check_files([(f, o) for f, o in zip(files, outs) if f not in skip], codec, crf, overwrite,
                                                several, pending=set(new_dirs), allow_truncated=allow_truncated)
    settled = sorted(settled + unreadable, key=lambda r: order.get(r.input, len(order)))
    for r in settled:
        report(r)
    if not readable:
        return settled
    files, outs = [f for f, _ in readable], [o for _, o in readable]
    crf = 18 if crf is None else crf
    explicit = resume or segment_seconds is not None or ray_address is not None
    segmented = {f: explicit or (resume is None and _is_long(infos[f])) for f in files if not is_image(f)}
    col = None
    if ray_address is None or any(is_image(f) for f in files):  # with Ray the workers load the model
        col = Colorizer(weights, device=device, render_size=render_size, compile=compile, saturation=saturation)
        col.style_index(style)
    made = []
    try:
        for d in new_dirs:
            try:
                d.mkdir()
                made.append(d)
            except FileExistsError:  # made meanwhile, e.g. by a second render into the same new folder
                if not d.is_dir():
                    raise VidcolorError(f"cannot make output folder '{d}': a file of that name appeared") from None
        rendered = _render_all(files, outs, style, col, weights, device, render_size, temporal, codecs, crf, overwrite, scenes,
                               batch_size, progress_factory, segmented, segment_seconds, ray_address, ray_workers, controls,
                               deinterlace, saturation, keep_going=several, skip_busy=skip_existing, report=report)
        return sorted(settled + rendered, key=lambda r: order.get(r.input, len(order)))
    finally:
        for d in reversed(made):  # nothing was written: leave no empty folder behind
            try:
                d.rmdir()  # only if empty (another render may be writing into it)
            except OSError:
                continue


def _render_all(files, outs, style, col, weights, device, render_size, temporal, codecs, crf, overwrite, scenes, batch_size,
                progress_factory, segmented, segment_seconds, ray_address, ray_workers, controls, deinterlace, saturation,
                keep_going=False, skip_busy=False, report=lambda r: None):
    """Render the pairs in order. ``keep_going``: a file's own :class:`VidcolorError` becomes a
    ``failed`` result and the next file follows — but not a full disk or quota, which stops the
    run; ``skip_busy``: an output another process is writing is ``skipped``."""
    results = []
    for f, o in zip(files, outs):
        existed = o.exists()
        try:
            try:
                result = _render_one(f, o, style, col, weights, device, render_size, temporal, codecs, crf, overwrite, scenes,
                                     batch_size, progress_factory, segmented, segment_seconds, ray_address, ray_workers, controls,
                                     deinterlace, saturation)
            except OSError as exc:
                if not _writing(exc, o):
                    raise
                raise VidcolorError(f"cannot write '{o}': {exc.strerror or exc}") from exc   # not the hidden partial's name
        except OutputBusy as exc:
            if not skip_busy:
                raise
            result = _skipped(f, o, f"'{o}' is being written by another vidcolor process (pid {exc.pid or 'unknown'})")
        except VidcolorError as exc:  # this file's own problem (each render cleans up after itself)
            if not keep_going or _out_of_space(exc):
                _note_progress(exc, results, keep_going)
                raise
            result = _failed(f, o, exc)
        except KeyboardInterrupt as exc:
            if not existed and o.exists():   # finished (renamed into place) just before the signal came
                results.append(ProcessResult(f, o, _kind(f)))
            _note_progress(exc, results, keep_going)
            raise
        results.append(result)
        report(result)
    return results


def _note_progress(exc: BaseException, results: list[ProcessResult], several: bool) -> None:
    """With several files, tell an interrupted or stopped run how to go on: the finished outputs
    are complete and ``--skip-existing`` leaves them alone (a plain rerun would refuse them)."""
    done = sum(r.status == "done" for r in results)
    if several and done:
        notes = list(getattr(exc, "vidcolor_notes", ()))
        notes.append(f"{done} of the files were written in full before this; add --skip-existing to the same command "
                     f"to go on with the rest")
        exc.vidcolor_notes = notes


def _writing(exc: OSError, out: Path) -> bool:
    """True if ``exc`` came from writing ``out`` or its hidden temporary file (``.NAME.partial-…``)."""
    name = Path(str(exc.filename)).name if exc.filename else ""
    return name == out.name or partial_pattern(out).fullmatch(name) is not None


def _out_of_space(exc: BaseException) -> bool:
    """True if ``exc`` or what caused it is a full disk or an exhausted quota: every later file
    would fail the same way, so the run stops."""
    import errno

    seen = 0
    while exc is not None and seen < 8:
        if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _render_one(f, o, style, col, weights, device, render_size, temporal, codecs, crf, overwrite, scenes, batch_size,
                progress_factory, segmented, segment_seconds, ray_address, ray_workers, controls, deinterlace, saturation):
    if is_image(f):
        return process_image(f, o, style, colorizer=col, overwrite=overwrite, controls=controls)
    bar = progress_factory(f) if progress_factory else None
    try:
        if segmented[f]:
            return process_video_segmented(
                f, o, style, colorizer=col, weights=weights, device=device, render_size=render_size, temporal=temporal,
                codec=codecs[f], crf=crf, overwrite=overwrite, scenes=scenes, progress=bar,
                batch_size=batch_size, segment_seconds=segment_seconds, resume=True,
                ray_address=ray_address, ray_workers=ray_workers, controls=controls, deinterlace=deinterlace,
                saturation=saturation, allow_truncated=True)   # (checked with the others' inputs before any work)
        result = process_video(f, o, style, colorizer=col, temporal=temporal, codec=codecs[f], crf=crf, overwrite=overwrite,
                               scenes=scenes, progress=bar, batch_size=batch_size, controls=controls, deinterlace=deinterlace,
                               allow_truncated=True)
        _drop_stale_work(o, result)
        return result
    finally:
        if bar is not None and hasattr(bar, "close"):
            bar.close()


def _check_files(pairs: list[tuple[Path, Path]], codec: str | None, crf: int | None, overwrite: bool, several: bool,
                 pending: set[Path] = frozenset(), allow_truncated: bool = False,
                 ) -> tuple[list[tuple[Path, Path]], dict[Path, str], dict, list[ProcessResult]]:
    """Each (file, output) pair's own checks before any work: ``(readable pairs, codec per video,
    probed info per video, failed results)``. An output problem or a codec that does not fit raises; a file that cannot be
    read (:func:`_check_readable`) raises alone (not ``several``) or becomes a ``failed`` result.
    ``pending``: output folders yet to be made (nothing in them to check)."""
    readable, codecs, infos, failed = [], {}, {}, []
    for f, o in pairs:
        if o.parent not in pending:
            check_output(f, o, overwrite)
        try:
            info = _check_readable(f, allow_truncated)
        except VidcolorError as exc:
            if not several:
                raise
            failed.append(_failed(f, o, exc))
            continue
        readable.append((f, o))
        if info is not None:
            infos[f] = info
            codecs[f], why = (codec, "") if codec else codec_choice(f, o, info)
            check_codec(o, codecs[f], 18 if crf is None else crf)
            check_crf_applies(crf, codecs[f], why)
    return readable, codecs, infos, failed


def _check_readable(f: Path, allow_truncated: bool = False):
    """A video's probed :class:`~vidcolor.io.video.VideoInfo` (None for an image); VidcolorError if
    ``f`` is empty, or is not an image by its name and not a video whose header FFmpeg reads
    (images are decoded, and refused if damaged, when their turn comes), or is a film cut off
    (:func:`refuse_truncated`) and not ``allow_truncated``."""
    if is_sequence(f):
        return probe_video(f)
    if f.stat().st_size == 0:
        raise VidcolorError(f"input '{f}' is empty")
    if is_image(f):
        return None
    if not is_video_file(f, probe=True):
        raise VidcolorError(f"'{f}' is neither a video nor an image vidcolor can read")
    info = probe_video(f)
    if not allow_truncated:
        refuse_truncated(f, info)
    return info


def _failed(f: Path, o: Path, exc: VidcolorError) -> ProcessResult:
    return ProcessResult(f, o, _kind(f), status="failed", detail=str(exc),
                         notes=list(getattr(exc, "vidcolor_notes", ())))


def _finished(f: Path, o: Path) -> bool:
    """``o`` exists as a file and is not ``f`` itself (``--skip-existing`` leaves such outputs alone)."""
    try:
        return o.is_file() and o.resolve() != f.resolve()
    except OSError:
        return False


def _skipped(f: Path, o: Path, why: str) -> ProcessResult:
    return ProcessResult(f, o, _kind(f), status="skipped", detail=why)


def _kind(f: Path) -> str:
    return "image" if is_image(f) else "video"


def _drop_stale_work(out: Path, result: ProcessResult) -> None:
    """After a single-pass render of ``out`` (``--no-resume``, a short film), the segments of an
    earlier interrupted resumable render of the same output are of no use: remove their work
    folder (only one that holds a vidcolor journal), with a note."""
    import shutil

    from vidcolor.batch.segments import work_folder

    work = work_folder(out)
    if (work / "journal.json").is_file():
        shutil.rmtree(work, ignore_errors=True)
        result.notes.append(f"removed '{work.name}', the segments of an earlier interrupted render of this output")


def _is_long(info) -> bool:
    """A video of this probed ``info`` is longer than :data:`~vidcolor.batch.segments.AUTO_SEGMENT_AFTER`
    (resumable by default)."""
    if info.duration is None and info.frame_count:
        return info.frame_count / float(info.frame_rate) > AUTO_SEGMENT_AFTER
    return info.duration is not None and info.duration > AUTO_SEGMENT_AFTER
