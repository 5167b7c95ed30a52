"""The ``vidcolor`` command line: thin click commands over the library API.

Every user-caused problem is a :class:`~vidcolor.errors.VidcolorError`, printed as one
``Error: …`` line on stderr with exit status 1 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from vidcolor.errors import VidcolorError


def _one_line(exc: click.UsageError) -> click.UsageError:
    """``exc`` shown as one ``Error: …`` line (exit status 2) ending with where the help is, instead
    of Click's usage block, hint line and blank line before it."""
    if exc.ctx is None:
        return exc
    return click.UsageError(f"{exc.format_message()} (see '{exc.ctx.command_path} --help')")


class _Group(click.Group):
    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx):
        from vidcolor.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt

        try:
            with terminate_as_interrupt():
                return super().invoke(ctx)
        except VidcolorError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"Error: {exc}", err=True)
            for note in getattr(exc, "vidcolor_notes", ()):
                click.echo(f"note: {note}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
            terminated = isinstance(exc, Terminated)
            click.echo(f"Error: {'terminated' if terminated else 'interrupted'}", err=True)
            for note in getattr(exc, "vidcolor_notes", ()):
                click.echo(f"note: {note}", err=True)
            ctx.exit(EXIT_TERMINATED if terminated else 130)
        except OSError as exc:  # disk full, permissions, … — not a bug, say what and where
            if ctx.params.get("debug"):
                raise
            where = f" ('{exc.filename}')" if getattr(exc, "filename", None) else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)
        except click.UsageError as exc:  # a bad option or argument: one line, as every other error
            raise _one_line(exc) from None
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # a bug: one line, the traceback only with --debug
            if ctx.params.get("debug"):
                raise
            click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); rerun with 'vidcolor --debug …' and report it", err=True)
            ctx.exit(1)


def _render_defaults() -> None:
    """Process settings of a render pipeline, set before torch loads: OpenMP threads that sleep
    rather than spin (:mod:`vidcolor.openmp`), glibc malloc that keeps large blocks for reuse
    (:mod:`vidcolor.allocator`)."""
    from vidcolor.allocator import apply_malloc_defaults
    from vidcolor.openmp import apply_openmp_defaults

    apply_openmp_defaults()
    apply_malloc_defaults()

@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.version_option(package_name="vidcolor")
def cli(debug: bool) -> None:
    """Colorize and stylize black-and-white film and photos."""
    if not debug:  # OpenCV's own warnings ("PNG input buffer is incomplete") would precede our one Error: line;
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # read when OpenCV loads (not yet: no import cost here)


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="YAML config (see configs/).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Run folder.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config value, e.g. --set stages.pretrain.steps=100.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its newest checkpoint.")
@click.option("--until", type=click.Choice(["pretrain", "adversarial", "temporal"]), help="Stop after this stage.")
@click.option("--init", "init_weights", type=click.Path(dir_okay=False), help="Start from these generator weights (fine-tuning).")
@click.option("--dry-run", is_flag=True, help="Print the resolved config and exit.")
def train(config_path, out, overrides, resume, until, init_weights, dry_run):
    """Train a generator (single process, or under torchrun for DDP)."""
    import yaml

    from vidcolor.training.config import load_config

    cfg = load_config(config_path, overrides)
    if dry_run:
        click.echo(yaml.safe_dump(cfg.to_dict(), sort_keys=False), nl=False)
        return
    from vidcolor.training.loop import train as run

    if Path(config_path).resolve() == (Path(out) / "config.yaml").resolve():
        raise VidcolorError(f"--config '{config_path}' is the run folder's own config.yaml, which a run rewrites with its "
                            "resolved settings; keep your config outside --out (e.g. configs/NAME.yaml)")
    argv = ["vidcolor", "train", "--config", config_path, "--out", out, *(a for o in overrides for a in ("--set", o))]  # as parsed, not sys.argv (CliRunner, torchrun)
    argv += ["--resume"] * resume + (["--until", until] if until else []) + (["--init", init_weights] if init_weights else [])
    weights = run(cfg, out, resume=resume, until=until, argv=argv, init=init_weights)
    click.echo(f"weights: {weights}")


class _Progress:
    """tqdm bar (frames, fps, ETA) on a terminal; nothing otherwise."""

    def __init__(self, label: str, enabled: bool):
        self.bar, self.label = None, label
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(desc=label, unit="frame", dynamic_ncols=True, leave=True)

    def stage(self, name: str) -> None:
        """A new pass over the film (the planning pass of hints/references, then rendering)."""
        if self.bar is not None:
            self.bar.reset()
            self.bar.set_description(f"{self.label} ({name})")

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            return
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="Output file, or folder for several inputs / a folder input.")
@click.option("--style", default="none", show_default=True, help="Style name ('vidcolor styles' lists them); 'none' is plain colorization.")
@click.option("--weights", type=click.Path(dir_okay=False), help="Generator weights (.safetensors); default: the bundled starter model.")
@click.option("--device", default="auto", show_default=True, type=click.Choice(["auto", "cpu", "cuda"]))
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--skip-existing", is_flag=True,
              help="Leave inputs whose output already exists alone (rerun a folder after fixing or adding files).")
@click.option("-r", "--recursive", is_flag=True,
              help="Folder inputs: also render the videos and photos in their subfolders; outputs keep the same subfolders.")
@click.option("--no-temporal", is_flag=True, help="Turn off flow-guided stabilization and scene-cut resets.")
@click.option("--render-size", default=256, show_default=True, type=click.IntRange(0), help="Short side the network runs at (0 = full resolution); output is always full resolution.")
@click.option("--codec", type=click.Choice(["h264", "hevc", "prores", "ffv1", "mpeg4"]),
              help="Video codec (default: h264; for inputs with alpha, prores in .mov and ffv1 in .mkv/.avi, which keep it; "
                   "for 10-bit or deeper films, which keep their depth: hevc in .mp4/.mov/.mkv, ffv1 in .avi, prores for a "
                   "ProRes/DNxHR master in .mov, ffv1 for a lossless one in .mkv).")
@click.option("--crf", type=click.IntRange(0, 51), help="Quality for h264/hevc/mpeg4, lower is better (default: 18); prores and ffv1 have none.")
@click.option("--scenes", type=click.Path(dir_okay=False),
              help="Also write the scene cuts found in the video to this CSV (scene,start_frame,end_frame,start_time,end_time); one video input.")
@click.option("--batch-size", type=click.IntRange(1), help="Frames per inference batch (default: 4 on CPU, from free memory on CUDA).")
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the generator (slower start, faster long runs).")
@click.option("--resume/--no-resume", default=None,
              help="Render videos in segments with a journal, so rerunning the same command continues an interrupted render "
                   "(default: for videos longer than 2 minutes); --no-resume: always one pass.")
@click.option("--segment-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Segment length in seconds of film (default: sized so one segment takes about 30 s to render).")
@click.option("--ray", "ray_address", is_flag=False, flag_value="auto", default=None, metavar="[ADDRESS]",
              help="Render segments on a Ray cluster: auto (default), local, HOST:PORT or ray://HOST:PORT.")
@click.option("--ray-workers", type=click.IntRange(1), help="Ray actors (default: one per GPU, else one per CPU).")
@click.option("--hints", "hints_csv", type=click.Path(dir_okay=False),
              help="Color hints: CSV with header x,y,color[,frame] (pixels of the input, #rrggbb, frame index or time like 12.5s).")
@click.option("--hints-image", type=click.Path(dir_okay=False),
              help="Color hints painted on a transparent PNG the size of the input (videos: frame 0, carried through its shot).")
@click.option("--reference", "references", multiple=True, metavar="FRAME=IMAGE|DIR",
              help="Colored keyframe (FRAME = index or time like 83.2s), carried through its shot; or a folder from 'vidcolor keyframes'. Repeatable.")
@click.option("--deinterlace", is_flag=True,
              help="Deinterlace interlaced videos (yadif, one frame per frame) before colorizing and write them progressive "
                   "(default: keep the field order).")
@click.option("--saturation", default=1.0, show_default=True, type=click.FloatRange(0, 4),
              help="Scale of the colors' saturation: 1 = the model's calibrated colors, 0 = gray, 1.3 = more vivid (0–4); colors from --hints/--reference are kept as given.")
@click.option("--fps", metavar="RATE",
              help="Frame rate of image-sequence inputs (scans/reel1_%06d.dpx or reel1_######.dpx): 24, 18, 25, 24000/1001, ... "
                   "(default: what a DPX header states, else 24).")
@click.option("--allow-truncated", is_flag=True,
              help="Render a film that is cut off (its data end well before the duration its header declares: a copy or "
                   "download that stopped early) as far as it goes, with a note; by default it is refused before any work.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def process(inputs, output, style, weights, device, overwrite, skip_existing, recursive, no_temporal, render_size, codec, crf, scenes, batch_size,
            compile_, resume, segment_seconds, ray_address, ray_workers, hints_csv, hints_image, references, deinterlace, saturation, fps, allow_truncated,
            quiet):
    """Colorize (and stylize) videos and photos.

    With several inputs (or a folder), a file that cannot be read or rendered is named on its own
    'error:' line and the others go on; the exit status is then 1.
    """
    import warnings

    _render_defaults()  # a render pipeline: before torch loads

    from vidcolor.control.apply import Controls
    from vidcolor.process import process_paths

    if ray_workers is not None and ray_address is None:
        raise VidcolorError("--ray-workers sets the number of Ray workers; it needs --ray")
    _sequence_rate(inputs, fps)
    show = not quiet and sys.stderr.isatty()

    def report(r):  # as each file is done, skipped or failed
        if r.status == "failed":
            click.echo(f"error: {r.detail}", err=True)
        elif not quiet:
            now = getattr(r, "frames_rendered", r.frames)
            resumed = f" ({now} rendered now, the rest resumed)" if now != r.frames else ""
            extra = f", {r.frames} frames{resumed} in {r.seconds:.1f} s ({r.fps:.1f} frames/s)" if r.kind == "video" else ""
            cuts = f", {len(r.cuts)} scene cut(s)" if r.kind == "video" and r.cuts else ""
            _echo_out(f"skipped: {r.input} ({r.detail})" if r.status == "skipped" else f"{r.input} -> {r.output}{extra}{cuts}")
        for note in r.notes:
            click.echo(f"note: {r.input if recursive else r.input.name}: {note}", err=True)

    with warnings.catch_warnings():  # the same messages are printed once, as notes
        warnings.simplefilter("ignore", UserWarning)
        results = process_paths(list(inputs), output, style, weights=weights, device=device, render_size=render_size,
                                temporal=not no_temporal, codec=codec, crf=crf, overwrite=overwrite, scenes=scenes,
                                batch_size=batch_size, compile=compile_, progress_factory=lambda f: _Progress(Path(f).name, show),
                                resume=resume, segment_seconds=segment_seconds, ray_address=ray_address, ray_workers=ray_workers,
                                controls=Controls(hints_csv, hints_image, tuple(references)), deinterlace=deinterlace,
                                saturation=saturation, skip_existing=skip_existing, recursive=recursive, on_result=report,
                                allow_truncated=allow_truncated)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        done = sum(r.status == "done" for r in results)
        skipped = sum(r.status == "skipped" for r in results)
        rest = f"{done} written" + (f", {skipped} skipped" if skipped else "")
        raise VidcolorError(f"{len(failed)} of {len(results)} inputs failed (named above; no output file was written for them), {rest}")


def _sequence_rate(inputs, fps: str | None) -> None:
    """``--fps``: the frame rate of the image-sequence inputs among ``inputs`` (VidcolorError if none is one)."""
    if fps is None:
        return
    from vidcolor.io.sequence import is_sequence, parse_rate, set_sequence_rate

    sequences = [i for i in inputs if is_sequence(i)]
    if not sequences:
        raise VidcolorError("--fps sets the frame rate of image-sequence inputs (scans/reel1_%06d.dpx); there is none here")
    rate = parse_rate(fps)
    for i in sequences:
        set_sequence_rate(i, rate)


def _echo_out(line: str) -> None:
    """A line on stdout; if its reader has gone (``vidcolor process … | head -1``), stdout goes to the
    null device and the work goes on (the files are what matter, and errors still reach stderr)."""
    try:
        click.echo(line)
    except BrokenPipeError:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Output folder (created).")
@click.option("--style", default="none", show_default=True, help="Default style (a manifest may set one per film).")
@click.option("--weights", type=click.Path(dir_okay=False), help="Generator weights (.safetensors); default: the bundled starter model.")
@click.option("--device", default="auto", show_default=True, type=click.Choice(["auto", "cpu", "cuda"]))
@click.option("--render-size", default=256, show_default=True, type=click.IntRange(0), help="Default short side the network runs at.")
@click.option("--codec", type=click.Choice(["h264", "hevc", "prores", "ffv1", "mpeg4"]),
              help="Default video codec (default: h264; for films with alpha, prores in .mov and ffv1 in .mkv/.avi, which keep it; "
                   "for 10-bit or deeper films hevc, or prores for a ProRes/DNxHR master in .mov, ffv1 for a lossless one in .mkv "
                   "or in .avi, which keep their depth).")
@click.option("--crf", type=click.IntRange(0, 51), help="Default quality for h264/hevc/mpeg4, lower is better (default: 18).")
@click.option("--no-temporal", is_flag=True, help="Turn off flow-guided stabilization and scene-cut resets.")
@click.option("--deinterlace", is_flag=True, help="Deinterlace interlaced films (yadif) before colorizing (a manifest may set it per film).")
@click.option("--saturation", default=1.0, show_default=True, type=click.FloatRange(0, 4),
              help="Default scale of the colors' saturation (1 = the model's, 0 = gray; a manifest may set one per film).")
@click.option("--fps", metavar="RATE",
              help="Default frame rate of image-sequence films (24, 18, 24000/1001, ...; a manifest may set one per film; "
                   "default: what a DPX header states, else 24).")
@click.option("--overwrite", is_flag=True, help="Render films whose output already exists.")
@click.option("--segment-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Segment length in seconds of film, the resume unit and Ray work item (default: sized so one segment takes about 30 s to render).")
@click.option("--warmup", type=click.IntRange(0),
              help="Frames before each segment rendered only to settle the stabilizer (default: 24, more for styles whose stabilizer "
                   "remembers longer, e.g. pencil, and 36 for films with reference keyframes).")
@click.option("--no-resume", is_flag=True, help="Discard finished segments of interrupted films and start them over.")
@click.option("--batch-size", type=click.IntRange(1), help="Frames per inference batch.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="auto", default=None, metavar="[ADDRESS]",
              help="Render on a Ray cluster: auto (default), local, HOST:PORT or ray://HOST:PORT.")
@click.option("--ray-workers", type=click.IntRange(1), help="Ray actors (default: one per GPU, else one per CPU).")
@click.option("--allow-truncated", is_flag=True,
              help="Render films that are cut off as far as they go, with a note (by default each such film fails on its own).")
@click.option("-q", "--quiet", is_flag=True, help="Only the failures.")
@click.pass_context
def batch(ctx, sources, output, style, weights, device, render_size, codec, crf, no_temporal, deinterlace, saturation, fps, overwrite,
          segment_seconds, warmup, no_resume, batch_size, ray_address, ray_workers, allow_truncated, quiet):
    """Colorize many films: SOURCES are folders, globs, videos or CSV/YAML manifests.

    Films whose output exists are skipped, interrupted films resume, and a film that fails does
    not stop the others; a summary table follows, and the exit status is 1 if any film failed.
    """
    _render_defaults()  # a render pipeline: before torch loads
    from vidcolor.batch.batch import FilmJob, collect_jobs, format_summary, run_batch
    from vidcolor.pipeline.engine import check_saturation

    saturation = check_saturation(saturation)  # once, before any film (click's range lets nan through)
    from vidcolor.outputs import check_crf_applies

    check_crf_applies(crf, codec)
    crf = 18 if crf is None else crf
    if ray_workers is not None and ray_address is None:
        raise VidcolorError("--ray-workers sets the number of Ray workers; it needs --ray")
    if fps is not None:
        from vidcolor.io.sequence import parse_rate

        fps = str(parse_rate(fps))
    base = FilmJob(Path(), None, style, render_size, codec, crf, not no_temporal, segment_seconds, deinterlace=deinterlace, saturation=saturation)
    jobs = collect_jobs(list(sources), base)
    if fps is not None:   # the default rate of the sequences (a manifest row's own fps stays)
        from vidcolor.io.sequence import is_sequence

        sequences = [k for k, job in enumerate(jobs) if is_sequence(job.input)]
        if not sequences:
            raise VidcolorError("--fps sets the frame rate of image-sequence films (scans/reel1_%06d.dpx); there is none here")
        jobs = [replace(job, fps=fps) if k in sequences and job.fps is None else job for k, job in enumerate(jobs)]

    def report(o):
        if not quiet:
            click.echo(f"{o.status}: {o.input}" + (f" -> {o.output}" if o.output is not None else "")
                       + (f" ({o.detail})" if o.detail else ""))
            for note in o.notes:
                click.echo(f"  note: {note}")

    outcomes = run_batch(jobs, output, weights=weights, device=device, overwrite=overwrite, resume=not no_resume, warmup=warmup,
                         batch_size=batch_size, ray_address=ray_address, ray_workers=ray_workers, on_film=report,
                         allow_truncated=allow_truncated)
    failed = [o for o in outcomes if o.status == "failed"]
    if not quiet:
        click.echo(format_summary(outcomes))
    else:
        for o in failed:
            click.echo(f"failed: {o.input}: {o.detail}", err=True)
    if failed:
        ctx.exit(1)


def _given_options(ctx: click.Context, names: tuple[str, ...]) -> list[str]:
    """The options among the parameters ``names`` that the command line (or the environment) set,
    spelled as a user types them, for refusing options that do not apply instead of ignoring them."""
    from click.core import ParameterSource

    return ["/".join(p.opts + p.secondary_opts) for p in ctx.command.params
            if p.name in names and ctx.get_parameter_source(p.name) not in (None, ParameterSource.DEFAULT)]


@cli.command("eval")
@click.option("--ref", "ref_dir", type=click.Path(exists=True, file_okay=False), help="Folder of colour originals (photos).")
@click.option("--out", "out_dir", type=click.Path(exists=True, file_okay=False), help="Results of 'vidcolor process' for --ref (<stem>.<style>.<ext>); default: colorize now.")
@click.option("--video", type=click.Path(exists=True, dir_okay=False), help="A colorized video: warping error and CDC.")
@click.option("--ref-video", type=click.Path(exists=True, dir_okay=False), help="The colour original of --video (PSNR/SSIM, flow on its luminance).")
@click.option("--weights", type=click.Path(exists=True, dir_okay=False), help="Generator weights; default: the bundled starter model.")
@click.option("--styles", "style_list", default="none", show_default=True, help="Comma-separated styles to evaluate, e.g. none,watercolor.")
@click.option("--render-size", default=256, show_default=True, type=click.IntRange(0), help="Short side the network runs at (0 = full resolution).")
@click.option("--device", default="auto", show_default=True, type=click.Choice(["auto", "cpu", "cuda"]))
@click.option("--report", "report_dir", type=click.Path(file_okay=False), help="Write metrics.json, sheets, plots and index.html here.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of a table.")
@click.option("--semantic/--no-semantic", default=None,
              help="ImageNet top-1/top-5 agreement with the original (EfficientNet-Lite2; default: on when vidcolor[train] is installed).")
@click.option("--hint-points", default=0, show_default=True, type=click.IntRange(0),
              help="Also score plain colorization given this many true-color point hints per photo (needs a model, not --out).")
@click.option("--hint-placement", type=click.Choice(["random", "worst"]), default="random", show_default=True,
              help="Where the hint points go: random, or where a user would put them (the largest automatic color errors first).")
@click.option("--saturation", default=1.0, show_default=True, type=click.FloatRange(0, 4),
              help="Score what 'vidcolor process --saturation S' renders (1 = the model's calibrated colors).")
@click.option("--gray", "gray_model", type=click.Choice(["lightness", "luma"]), default="lightness", show_default=True,
              help="How the originals are turned gray: their CIE L*, or their Rec.601 luma (as PIL, OpenCV and FFmpeg do).")
@click.option("--preserve", type=click.Choice(["luma", "lightness"]), default="luma", show_default=True,
              help="What plain colorization keeps of the gray input: its luma (as 'vidcolor process' does) or its L*.")
def eval_(ref_dir, out_dir, video, ref_video, weights, style_list, render_size, device, report_dir, as_json, semantic, hint_points,
          hint_placement, saturation, gray_model, preserve):
    """Score colorizations: PSNR/SSIM/colorfulness on photos, warping error and CDC on a video."""
    from vidcolor.evaluation import evaluate_images, evaluate_video, format_summary, to_json, write_report

    if not ref_dir and not video:
        raise VidcolorError("nothing to evaluate: give --ref ORIGINALS_DIR and/or --video FILE")
    if out_dir and not ref_dir:
        raise VidcolorError("--out needs --ref (the originals its results belong to)")
    if ref_video and not video:
        raise VidcolorError("--ref-video needs --video (the colorized video to compare with it)")
    if out_dir and weights:
        raise VidcolorError("--weights is only used to colorize now; leave it out with --out")
    if (out_dir or not ref_dir) and saturation != 1.0:
        raise VidcolorError("--saturation is only used to colorize photos now (--ref without --out)")
    if not ref_dir and gray_model != "lightness":
        raise VidcolorError("--gray is about photos (--ref): how the originals are turned gray")
    if (out_dir or not ref_dir) and preserve != "luma":
        raise VidcolorError("--preserve is only used to colorize photos now (--ref without --out)")
    if not ref_dir:   # a video is scored as it is: it is neither rendered here nor read by the classifier
        given = _given_options(click.get_current_context(), ("style_list", "hint_points", "hint_placement", "weights",
                                                             "render_size", "device", "semantic"))
        if given:
            raise VidcolorError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} about photos (--ref); "
                                "--video scores a video as it is")
    if hint_placement != "random" and not hint_points:
        raise VidcolorError("--hint-placement places --hint-points; give --hint-points N too")
    results = {}
    if ref_dir:
        names = tuple(s.strip() for s in style_list.split(",") if s.strip())
        results["images"] = evaluate_images(ref_dir, out_dir, weights=weights, styles=names, device=device, render_size=render_size,
                                            semantic=semantic, hint_points=hint_points, hint_placement=hint_placement,
                                            saturation=saturation, gray_model=gray_model, preserve=preserve)
    if video:
        results["video"] = evaluate_video(video, ref_video)
    index = write_report(results, report_dir) if report_dir else None
    click.echo(to_json(results) if as_json else format_summary(results))
    if index and not as_json:
        click.echo(f"report: {index}")


@cli.group(invoke_without_command=True)
@click.pass_context
def styles(ctx):
    """List the built-in and added styles; add a style learned from a painting, or remove one."""
    if ctx.invoked_subcommand is not None:
        return
    from vidcolor.paths import styles_dir
    from vidcolor.styles.packs import list_styles

    entries = list_styles()
    width = max(len(e.name) for e in entries)
    for e in entries:
        click.echo(f"{e.name:<{width}}  {e.description}" + (f"  [{e.kind}]" if e.kind in ("added", "ignored") else ""))
    click.echo(f"\nadded styles live in {styles_dir()} ($VIDCOLOR_HOME/styles); add one with 'vidcolor styles add NAME --image PAINTING'")


@styles.command("add")
@click.argument("name")
@click.option("--image", required=True, type=click.Path(dir_okay=False), help="The painting (or any picture) whose style to learn.")
@click.option("--minutes", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Learning time (wall clock).")
@click.option("--weights", type=click.Path(dir_okay=False), help="Base generator the style is made for; default: the bundled model.")
@click.option("--photos", type=click.Path(file_okay=False), help="Folder of your own photos/frames to learn on (default: ten bundled photos).")
@click.option("--device", default="auto", show_default=True, type=click.Choice(["auto", "cpu", "cuda"]))
@click.option("--overwrite", is_flag=True, help="Replace an added style of the same name.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def styles_add(name, image, minutes, weights, photos, device, overwrite, quiet):
    """Learn a new style NAME from a painting (base model frozen; CPU works, a GPU is used when present)."""
    from vidcolor.styles.packs import learn_style

    path = learn_style(name, image, minutes=minutes, weights=weights, photos=photos, device=device, overwrite=overwrite,
                       progress=not quiet and sys.stderr.isatty())
    click.echo(f"added style '{name}': {path}\nuse it with: vidcolor process INPUT --style {name}")


@styles.command("remove")
@click.argument("name")
def styles_remove(name):
    """Delete the added style NAME."""
    from vidcolor.styles.packs import remove_style

    click.echo(f"removed style '{name}' ({remove_style(name)})")


@cli.command()
@click.argument("film", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(), help="Folder for the keyframes and shots.csv (created).")
@click.option("--weights", type=click.Path(dir_okay=False), help="Generator weights (.safetensors); default: the bundled model.")
@click.option("--device", default="auto", show_default=True, type=click.Choice(["auto", "cpu", "cuda"]))
@click.option("--render-size", default=256, show_default=True, type=click.IntRange(0))
@click.option("--overwrite", is_flag=True, help="Replace keyframes already in the folder.")
@click.option("--fps", metavar="RATE", help="Frame rate of an image-sequence film (as for 'vidcolor process'): the times in shots.csv.")
def keyframes(film, output, weights, device, render_size, overwrite, fps):
    """One auto-colorized frame per shot (shotNNN_fFRAME.png + shots.csv) to correct and pass back with --reference FOLDER."""
    _render_defaults()  # a render pipeline: before torch loads
    _sequence_rate([film], fps)
    from vidcolor.control.keyframes import export_keyframes
    from vidcolor.pipeline.engine import Colorizer

    shots = export_keyframes(film, output, Colorizer(weights, device=device, render_size=render_size), overwrite=overwrite)
    click.echo(f"{len(shots)} shot(s): keyframes and shots.csv in {output}")


@cli.command()
@click.argument("file", type=click.Path())
def info(file):
    """Print the streams of a video, the properties of an image, or what a .safetensors file holds
    (generator weights: architecture, styles, calibration, fingerprint; a style pack: its painting and base)."""
    if Path(file).suffix.lower() == ".safetensors":
        from vidcolor.models.describe import describe_safetensors

        click.echo(describe_safetensors(file))
        return
    from vidcolor.io.probe import describe

    click.echo(describe(file))


@cli.command()
@click.argument("input", required=False, type=click.Path())
@click.option("--style", default="none", show_default=True)
@click.option("--weights", type=click.Path(dir_okay=False))
@click.option("--device", default="auto", show_default=True, type=click.Choice(["auto", "cpu", "cuda"]))
@click.option("--render-size", default=256, show_default=True, type=click.IntRange(0))
@click.option("--frames", default=120, show_default=True, type=click.IntRange(1), help="Frames per measurement.")
@click.option("--batch", default=4, show_default=True, type=click.IntRange(1))
@click.option("--no-temporal", is_flag=True)
@click.option("--codec", default="h264", show_default=True, type=click.Choice(["h264", "hevc", "prores", "ffv1", "mpeg4"]))
@click.option("--memory", default="", help="Comma-separated frame counts for the peak-RSS check in fresh processes, e.g. 50,200.")
@click.option("--model", "model_only", is_flag=True,
              help="Benchmark the generator alone (params, GFLOPs, fps; fp32 and bf16), then side by side with a ResNet101 encoder at 336x336.")
@click.option("--preset", "model_preset", type=click.Choice(["default", "semantic", "large", "tiny"]),
              help="With --model: time this untrained architecture instead of the bundled weights (or --weights).")
@click.option("--rounds", default=5, show_default=True, type=click.IntRange(1), help="With --model: alternating timing rounds of the comparison.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench(input, style, weights, device, render_size, frames, batch, no_temporal, codec, memory, model_only, model_preset, rounds, as_json):
    """Measure decode, model, encode and full-pipeline speed (and peak memory) on INPUT; or, with
    --model and no INPUT, the generator alone (fixed sizes, random frames) next to a ResNet101, on
    --device (auto: CUDA when present)."""
    import json as _json

    ctx = click.get_current_context()
    if model_only:
        if input is not None:   # --model runs on random frames of fixed sizes: INPUT would be silently unused
            raise click.UsageError(f"--model times the generator alone on random frames and does not read INPUT ('{input}'); "
                                   "without --model the benchmark on INPUT includes the generator alone at its working size")
        given = _given_options(ctx, ("style", "render_size", "frames", "no_temporal", "codec", "memory"))
        if given:
            raise click.UsageError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} about the benchmark on INPUT, "
                                   "not --model (the generator alone at fixed sizes)")
        from vidcolor.bench_model import bench_model, compare_resnet101, format_comparison, format_table, generator_for_bench
        from vidcolor.device import resolve_device

        if model_preset and weights:
            raise click.UsageError("--preset and --weights exclude each other")
        dev = resolve_device(device)   # as `process` does: cuda without a GPU is an error, not a CPU run
        model, label = generator_for_bench(weights, model_preset)
        rows = bench_model(model.config, batch=batch, device=dev)
        comparison = compare_resnet101(model, label, batch=batch, rounds=rounds, device=dev)
        click.echo(_json.dumps({"generator": rows, "comparison": comparison}, indent=2) if as_json
                   else f"{format_table(rows)}\n\n{format_comparison(comparison)}")
        return
    if input is None:
        raise click.UsageError("INPUT is required (or use --model)")
    given = _given_options(ctx, ("model_preset", "rounds"))
    if given:
        raise click.UsageError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} about --model (the generator alone); "
                               f"add --model, or leave {'it' if len(given) == 1 else 'them'} out")
    _render_defaults()  # measure the pipeline as `vidcolor process` runs it (torch not loaded yet)
    from vidcolor.bench import format_bench, run_bench, to_json

    try:
        lengths = tuple(int(x) for x in memory.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"--memory expects numbers like 50,200, got '{memory}'") from None
    res = run_bench(input, style=style, weights=weights, device=device, render_size=render_size, frames=frames,
                    temporal=not no_temporal, codec=codec, batch=batch, memory=lengths)
    click.echo(to_json(res) if as_json else format_bench(res))


def main() -> None:
    cli(prog_name="vidcolor")
