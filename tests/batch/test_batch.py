"""`vidcolor batch`: sources, manifests, skipping finished films, failures that do not stop the batch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.batch.conftest import N_FRAMES, SEGMENT_SECONDS, make_gop_clip, video_pts
from vidcolor.batch.batch import FilmJob, collect_jobs, format_summary, read_manifest, run_batch
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError

BASE = FilmJob(Path(), style="none", segment_seconds=SEGMENT_SECONDS)


@pytest.fixture
def films(tmp_path, gop_clip):
    """A folder with two good films (one short: a single segment) and a truncated one."""
    folder = tmp_path / "films"
    folder.mkdir()
    shutil.copy(gop_clip, folder / "a.mp4")
    make_gop_clip(folder / "b.mkv", n_frames=8)
    (folder / "c.mp4").write_bytes(Path(gop_clip).read_bytes()[:2000])  # cut off before its header (moov)
    (folder / "notes.txt").write_text("not a film")
    return folder


def run(args):
    return CliRunner().invoke(cli, ["batch", *map(str, args)], catch_exceptions=False)


def test_batch_folder_with_a_corrupt_film(tmp_path, films, tiny_weights):
    out = tmp_path / "out"
    args = [films, "-o", out, "--weights", tiny_weights, "--device", "cpu", "--segment-seconds", SEGMENT_SECONDS, "--style", "oil"]
    r = run(args)
    assert r.exit_code == 1, r.output
    assert len(video_pts(out / "a.oil.mp4")) == N_FRAMES and len(video_pts(out / "b.oil.mkv")) == 8
    assert not (out / "c.oil.mp4").exists()
    lines = r.output.splitlines()
    assert lines[-1] == "3 film(s): 2 done, 0 skipped (already done), 1 failed"
    failed = next(line for line in lines if line.startswith("failed ") and "c.mp4" in line)
    assert "cannot read video" in failed
    assert not list(out.glob("*.vidcolor-work"))
    # rerun: finished films are skipped, the broken one fails again
    r = run(args)
    assert r.exit_code == 1 and r.output.splitlines()[-1] == "3 film(s): 0 done, 2 skipped (already done), 1 failed"
    assert [line.split()[0] for line in r.output.splitlines()[-4:-1]] == ["skipped", "skipped", "failed"]  # input order
    (films / "c.mp4").unlink()
    r = run(args + ["-q"])
    assert r.exit_code == 0 and r.output == ""


def test_csv_manifest_per_film_settings(tmp_path, gop_clip, tiny_weights):
    (tmp_path / "in").mkdir()
    shutil.copy(gop_clip, tmp_path / "in" / "a.mp4")
    manifest = tmp_path / "films.csv"
    manifest.write_text("input,output,style,render_size,crf\n"
                        "in/a.mp4,,cartoon,,\n"
                        "in/a.mp4,sub/a_pencil.mkv,pencil,32,20\n")
    jobs = read_manifest(manifest, BASE)
    assert [(j.style, j.render_size, j.crf) for j in jobs] == [("cartoon", 256, 18), ("pencil", 32, 20)]
    sat = tmp_path / "sat.csv"
    sat.write_text("input,saturation\nin/a.mp4,1.5\nin/a.mp4,\n")
    assert [j.saturation for j in read_manifest(sat, BASE)] == [1.5, 1.0]
    assert jobs[0].input == tmp_path / "in" / "a.mp4" and jobs[1].output == Path("sub/a_pencil.mkv")
    outcomes = run_batch(jobs, tmp_path / "out", weights=tiny_weights, device="cpu")
    assert [o.status for o in outcomes] == ["done", "done"], format_summary(outcomes)
    assert (tmp_path / "out" / "a.cartoon.mp4").is_file() and (tmp_path / "out" / "sub" / "a_pencil.mkv").is_file()


def test_yaml_manifest_and_sources(tmp_path, films):
    manifest = tmp_path / "films.yaml"
    manifest.write_text("- input: films/a.mp4\n  style: watercolor\n  temporal: false\n  segment_seconds: 30\n- {input: films/b.mkv}\n")
    jobs = read_manifest(manifest, BASE)
    assert [(j.input.name, j.style, j.temporal, j.segment_seconds) for j in jobs] == \
        [("a.mp4", "watercolor", False, 30.0), ("b.mkv", "none", True, SEGMENT_SECONDS)]
    mixed = collect_jobs([films, str(films / "*.mkv"), manifest], BASE)
    assert [j.input.name for j in mixed] == ["a.mp4", "b.mkv", "c.mp4", "b.mkv", "a.mp4", "b.mkv"]  # folders: videos only


def test_yaml_times_and_words_stay_as_written(tmp_path, films):
    """YAML 1.1 reads ``1:00`` as 60 and ``00:00:01.0`` as 1.0 (base 60), ``off`` as false: a reference
    at one minute landed on frame 60, and a style named ``off`` became 'False'."""
    manifest = tmp_path / "films.yaml"
    manifest.write_text("- input: films/a.mp4\n  temporal: no\n  style: off\n"
                        "  reference: {1:00: k.png, 00:00:01.5: l.png, 0: m.png, 2.5s: n.png}\n  crf: 20\n")
    (job,) = read_manifest(manifest, BASE)
    assert [r.split("=")[0] for r in job.references] == ["1:00", "00:00:01.5", "0", "2.5s"]
    assert (job.style, job.temporal, job.crf) == ("off", False, 20)


@pytest.mark.parametrize("text,suffix,message", [
    ("input,style,colour\na.mp4,oil,red\n", ".csv", "unknown column(s) colour; valid: input, output, style, render_size, codec, crf"),
    ("input,crf\na.mp4,99\n", ".csv", "line 2: crf must be in 0..51, got 99"),
    ("input,render_size\na.mp4,big\n", ".csv", "render_size must be an integer"),
    ("input,codec\na.mp4,vp9\n", ".csv", "unknown codec 'vp9'; valid: h264"),
    ("input,saturation\na.mp4,7\n", ".csv", "line 2: saturation must be between 0 (gray) and 4, got 7"),
    ("input,saturation\na.mp4,vivid\n", ".csv", "line 2: saturation must be a number, got 'vivid'"),
    ("style\noil\n", ".csv", "'input' is empty"),
    ("", ".csv", "needs a header row"),
    ("input: a.mp4\n", ".yaml", "must be a YAML list of mappings"),
    ("- {input: a.mp4, temporal: maybe}\n", ".yaml", "item 1: temporal must be true or false"),
    ("- {input: a.mp4, speed: 2}\n", ".yml", "unknown column(s) speed"),
    ("[unclosed\n", ".yaml", "not valid YAML"),
])
def test_manifest_errors(tmp_path, text, suffix, message):
    manifest = tmp_path / f"m{suffix}"
    manifest.write_text(text)
    with pytest.raises(VidcolorError) as info:
        read_manifest(manifest, BASE)
    assert message in str(info.value)


def test_batch_errors_before_anything_runs(tmp_path, films, tiny_weights):
    r = CliRunner().invoke(cli, ["batch", str(tmp_path / "nothing*.mp4"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 1 and "no files match" in r.output
    bad = tmp_path / "m.csv"
    bad.write_text("input,style\nfilms/a.mp4,sepia\n")
    r = CliRunner().invoke(cli, ["batch", str(bad), "-o", str(tmp_path / "o"), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "style 'sepia' is not in these weights" in r.output
    clash = tmp_path / "clash.csv"
    clash.write_text("input,output\nfilms/a.mp4,x.mp4\nfilms/b.mkv,x.mp4\n")
    with pytest.raises(VidcolorError, match="would both be written"):
        run_batch(collect_jobs([clash], BASE), tmp_path / "o", weights=tiny_weights)
    # an output no codec writes, a codec its container cannot hold, a folder: the last film's error,
    # found before the first film is rendered (was: when its turn came)
    (tmp_path / "o" / "sub").mkdir(parents=True)
    for cells, message in (("b.txt,", "cannot write '.txt' videos"), ("b.mp4,ffv1", "codec 'ffv1' cannot be written to a '.mp4' file"),
                           ("sub,", "is a folder")):
        bad = tmp_path / "late.csv"
        bad.write_text(f"input,output,codec\nfilms/a.mp4,,\nfilms/b.mkv,{cells}\n")
        r = CliRunner().invoke(cli, ["batch", str(bad), "-o", str(tmp_path / "o"), "--weights", str(tiny_weights)])
        assert r.exit_code == 1 and message in r.output and "b.mkv" in r.output, r.output
        assert not list((tmp_path / "o").glob("a.*")), r.output
    # a missing film is its own failure, whatever its output: the others still render
    gone = tmp_path / "gone.csv"
    gone.write_text("input,output\nfilms/a.mp4,\nfilms/missing.mp4,m.avi\n")
    r = CliRunner().invoke(cli, ["batch", str(gone), "-o", str(tmp_path / "o2"), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "missing.mp4" in r.output and (tmp_path / "o2" / "a.none.mp4").is_file(), r.output


def test_a_batch_into_its_own_folder_can_be_run_again(tmp_path, gop_clip, tiny_weights):
    """``vidcolor batch films -o films`` twice: the second run finds its own results in the folder;
    they are not new films (nor a clash): every film is skipped, nothing is rendered."""
    films = tmp_path / "films"
    films.mkdir()
    shutil.copy(gop_clip, films / "a.mp4")
    args = [str(films), "-o", str(films), "--weights", str(tiny_weights), "--segment-seconds", str(SEGMENT_SECONDS)]
    r = run(args)
    assert r.exit_code == 0, r.output
    made = (films / "a.none.mp4").read_bytes()
    r = run(args)
    assert r.exit_code == 0 and "the output of 'a.mp4' in this batch" in r.output and "-> None" not in r.output, r.output
    assert "0 done, 2 skipped" in r.output and (films / "a.none.mp4").read_bytes() == made
    named = CliRunner().invoke(cli, ["batch", str(films / "a.mp4"), str(films / "a.none.mp4"), "-o", str(films), "--weights", str(tiny_weights)])
    assert named.exit_code == 1 and "is also an input" in named.output   # named one by one: still a clash


def test_ray_not_installed_is_a_clear_error(tmp_path, films, tiny_weights, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(VidcolorError, match=r"pip install 'vidcolor\[ray\]'"):
        run_batch(collect_jobs([films / "a.mp4"], BASE), tmp_path / "o", weights=tiny_weights, ray_address="auto")


def test_a_plain_batch_never_imports_ray(tmp_path, films, tiny_weights):
    code = ("import sys\nfrom vidcolor.cli import cli\n"
            f"try:\n    cli(['batch', {str(films / 'b.mkv')!r}, '-o', {str(tmp_path / 'o')!r}, '--weights', {str(tiny_weights)!r}, "
            "'--device', 'cpu', '-q'])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "assert 'ray' not in sys.modules, 'ray was imported'\nprint('ok')\n")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).parents[2]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_manifest_saved_by_a_spreadsheet_with_a_bom_is_read(tmp_path, films):
    manifest = tmp_path / "films.csv"
    manifest.write_bytes("\ufeffinput,style\r\nfilms/a.mp4,oil\r\n".encode("utf-8"))  # Excel's "CSV UTF-8"
    assert [(j.input.name, j.style) for j in read_manifest(manifest, BASE)] == [("a.mp4", "oil")]
    bad = tmp_path / "bad.csv"
    bad.write_text("input,colour\nfilms/a.mp4,red\n")
    with pytest.raises(VidcolorError, match=r"line 1 \(the header\): unknown column\(s\) colour"):
        read_manifest(bad, BASE)


def test_manifest_paths_are_shown_without_dotdot_detours(tmp_path, films):
    """A manifest in a sub-folder naming '../films/a.mp4' reports 'films/a.mp4', not 'sub/../films/a.mp4';
    through a symlinked folder (where '..' means something else) the path stays as written."""
    (tmp_path / "sub").mkdir()
    manifest = tmp_path / "sub" / "films.csv"
    manifest.write_text("input,hints\n../films/a.mp4,./h.csv\n")
    job, = read_manifest(manifest, BASE)
    assert job.input == tmp_path / "films" / "a.mp4" and ".." not in job.input.parts
    assert job.hints == str(tmp_path / "sub" / "h.csv")
    real = tmp_path / "deep" / "real"
    real.mkdir(parents=True)
    (tmp_path / "deep" / "films").mkdir()  # link/../films is deep/films: another file than films/a.mp4
    shutil.copy(films / "a.mp4", tmp_path / "deep" / "films" / "a.mp4")
    (tmp_path / "link").symlink_to(real)
    linked = tmp_path / "link" / "films.csv"
    linked.write_text("input\n../films/a.mp4\n")
    job, = read_manifest(linked, BASE)
    assert job.input.exists() and job.input == tmp_path / "link" / ".." / "films" / "a.mp4"


def test_a_photo_is_refused_before_any_work_with_what_to_use(tmp_path, films, tiny_weights):
    import cv2
    import numpy as np

    cv2.imwrite(str(tmp_path / "photo.png"), np.full((24, 32), 128, np.uint8))
    manifest = tmp_path / "m.csv"
    manifest.write_text("input,style\nfilms/a.mp4,oil\nphoto.png,none\n")
    for source in (manifest, tmp_path / "photo.png", tmp_path / "*.png"):
        r = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "o"), "--weights", str(tiny_weights)])
        assert r.exit_code == 1 and "is a photo; vidcolor batch renders videos" in r.output and "vidcolor process" in r.output, r.output
        assert not (tmp_path / "o").exists()  # nothing rendered, not even the film before it


def test_globs_leave_photos_out_like_folders_and_spreadsheet_quirks(tmp_path, films):
    import cv2
    import numpy as np

    cv2.imwrite(str(films / "poster.jpg"), np.full((24, 32), 128, np.uint8))
    (films / "list.csv").write_text("input\n")
    (films / "list.yaml").write_text("- input: a.mp4\n")   # manifests and notes in the folder are not films either
    assert [j.input.name for j in collect_jobs([str(films / "*")], BASE)] == ["a.mp4", "b.mkv", "c.mp4"]  # no poster.jpg
    with pytest.raises(VidcolorError, match=r"'.*\*.txt' matches no videos \(notes.txt\)"):
        collect_jobs([str(films / "*.txt")], BASE)
    trailing = tmp_path / "t.csv"
    trailing.write_text("input,style,\nfilms/a.mp4,oil,\n")             # a trailing comma on every line
    assert [j.style for j in read_manifest(trailing, BASE)] == ["oil"]
    trailing.write_text("input,style,\nfilms/a.mp4,oil,red\n")
    with pytest.raises(VidcolorError, match="line 2: a value in a column without a name"):
        read_manifest(trailing, BASE)
    ref = tmp_path / "r.csv"
    ref.write_text("input,reference\nfilms/a.mp4,0=\n")
    with pytest.raises(VidcolorError, match="line 2: reference '0=' has no image"):
        read_manifest(ref, BASE)


def test_a_double_star_glob_looks_in_subfolders(tmp_path, films):
    (films / "reel2").mkdir()
    shutil.copy(films / "a.mp4", films / "reel2" / "d.mp4")
    assert [j.input.name for j in collect_jobs([str(films / "*.mp4")], BASE)] == ["a.mp4", "c.mp4"]
    assert [j.input.name for j in collect_jobs([str(films / "**" / "*.mp4")], BASE)] == ["a.mp4", "c.mp4", "d.mp4"]
    work = films / "out" / "a.none.mp4.vidcolor-work"   # an interrupted batch's segments are not films
    work.mkdir(parents=True)
    shutil.copy(films / "a.mp4", work / "seg_00000.mp4")
    assert [j.input.name for j in collect_jobs([str(films / "**" / "*.mp4")], BASE)] == ["a.mp4", "c.mp4", "d.mp4"]


@pytest.mark.parametrize("sep, name", [(";", "semicolons"), ("\t", "tabs")])
def test_a_manifest_separated_by_semicolons_or_tabs_says_so(tmp_path, films, sep, name):
    m = tmp_path / "m.csv"   # European spreadsheets save CSV with semicolons: it was "unknown column(s) input;reference"
    m.write_text(f"input{sep}reference\nfilms/a.mp4{sep}0=k/a.png\n")
    with pytest.raises(VidcolorError, match=f"separates its columns with {name}; .* separated by commas"):
        read_manifest(m, BASE)


def test_a_yaml_manifest_lists_or_maps_its_references(tmp_path, films):
    m = tmp_path / "m.yaml"
    m.write_text("- {input: films/a.mp4, reference: [0=k/a.png, '2.5s=k/b.png']}\n"   # were one garbled spec "['0=…"
                 "- input: films/a.mp4\n  reference: {0: k/a.png, 12.5s: k/b.png}\n"
                 "- {input: films/a.mp4, reference: '0=k/a.png; 2.5s=k/b.png'}\n")
    want = (f"0={tmp_path / 'k/a.png'}", f"2.5s={tmp_path / 'k/b.png'}")
    assert [j.references for j in read_manifest(m, BASE)] == [want, (want[0], f"12.5s={tmp_path / 'k/b.png'}"), want]
    m.write_text("- {input: films/a.mp4, reference: {0: }}\n")
    with pytest.raises(VidcolorError, match="item 1: reference '0=' has no image"):
        read_manifest(m, BASE)
    m.write_text("- {input: films/a.mp4, hints: [a.csv, b.csv]}\n")
    with pytest.raises(VidcolorError, match="item 1: hints must be one CSV file"):
        read_manifest(m, BASE)


def test_a_batch_where_every_film_fails_leaves_no_empty_output_folder(tmp_path, tiny_weights):
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a film")
    out = tmp_path / "new" / "out"
    r = CliRunner().invoke(cli, ["batch", str(bad), "-o", str(out), "--weights", str(tiny_weights), "-q"])
    assert r.exit_code == 1 and "failed" in r.output
    assert not (tmp_path / "new").exists()
