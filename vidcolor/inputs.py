"""Which files a ``vidcolor process`` run renders and where each one goes (nothing is created here).

* :func:`find_inputs`: files as given, and the videos and photos of folders (``recursive``: of
  their subfolders too, each with the subfolder it lies in).
* :func:`plan_outputs`: the output path of each file and the folders to make for them.
* :func:`check_not_inside`, :func:`check_found_once`: a recursive run that would copy a tree into
  a part of itself, or render one file twice.
"""

from __future__ import annotations

import os
from pathlib import Path

from vidcolor.errors import VidcolorError
from vidcolor.io.image import GIF_EXT, IMAGE_EXTS
from vidcolor.io.sequence import find_sequence, is_sequence
from vidcolor.io.video import VIDEO_EXTS
from vidcolor.outputs import default_output, same_file_key

__all__ = ["check_found_once", "check_not_inside", "expand_inputs", "find_inputs", "plan_outputs"]


def find_inputs(inputs: list[str | os.PathLike], recursive: bool = False, exclude: str | os.PathLike | None = None,
                passed: list[tuple[Path, str]] | None = None) -> list[tuple[Path, Path]]:
    """``(file, subfolder)`` for each file to render: files as given (subfolder ``.``); folders → their
    videos and images, sorted, with the subfolder they lie in relative to the folder given (``.``
    for its own files). ``recursive``: folders inside folders too — hidden ones, work folders of
    segmented renders ``*.vidcolor-work``, symbolic links to folders and the folder ``exclude``
    (the output folder, when it lies inside an input folder) are not entered, and neither is a
    subfolder that cannot be read; those two are appended to ``passed`` as ``(folder, why)``.
    VidcolorError for a path that does not exist, a folder given that cannot be read, or one with
    nothing to render."""
    skip = Path(exclude).resolve() if exclude is not None and Path(exclude).is_dir() else None
    out: list[tuple[Path, Path]] = []
    for raw in inputs:
        p = Path(raw)
        if is_sequence(p):   # reel1_%06d.dpx: one film
            find_sequence(p)
            out.append((p, Path(".")))
            continue
        if not p.exists():
            raise VidcolorError(f"input not found: '{p}'")
        if not p.is_dir():
            out.append((p, Path(".")))
            continue
        found = []
        for d, sub in _folders(p, recursive, skip, passed):
            found += [(q, sub) for q in _media_files(d)]
        if not found:
            hint = " (add --recursive to look inside its folders)" if not recursive and _subfolders(p, skip) else ""
            raise VidcolorError(f"folder '{p}' has no videos or images{hint}")
        out.extend(found)
    return out


def _media_files(d: Path) -> list[Path]:
    try:
        return sorted(q for q in d.iterdir() if q.is_file() and not q.name.startswith(".")
                      and q.suffix.lower() in IMAGE_EXTS | VIDEO_EXTS | {GIF_EXT})
    except OSError as exc:
        raise VidcolorError(f"cannot read folder '{d}': {exc.strerror or exc}") from None


def _subfolders(d: Path, skip: Path | None, passed: list | None = None) -> list[Path]:
    """``d``'s subfolders to enter, sorted; the output folder ``skip`` and unreadable ones go to ``passed``."""
    found = []
    for q in sorted(d.iterdir()):
        if not q.is_dir() or q.is_symlink() or q.name.startswith(".") or q.name.endswith(".vidcolor-work"):
            continue
        if q.resolve() == skip:
            if passed is not None:
                passed.append((q, "the output folder: the files in it are not inputs"))
            continue
        if not os.access(q, os.R_OK | os.X_OK):
            if passed is not None:
                passed.append((q, "cannot be read (permission denied)"))
            continue
        found.append(q)
    return found


def _folders(root: Path, recursive: bool, skip: Path | None, passed: list | None = None):
    """``(folder, relative to root)``: ``root`` first, then (``recursive``) its subfolders depth-first, sorted."""
    stack = [(root, Path("."))]
    while stack:
        d, rel = stack.pop()
        yield d, rel
        if recursive:
            stack.extend((q, rel / q.name) for q in reversed(_subfolders(d, skip, passed)))


def expand_inputs(inputs: list[str | os.PathLike], recursive: bool = False) -> list[Path]:
    """The files of :func:`find_inputs` without their subfolders."""
    return [f for f, _ in find_inputs(inputs, recursive)]


def plan_outputs(inputs: list[Path], output: str | os.PathLike | None, style: str, codec: str | None, several: bool,
                 subfolders: list[Path] | None = None) -> tuple[list[Path], list[Path]]:
    """Output path per input: ``-o`` file (single input), ``-o`` folder (several inputs, an existing
    folder, or a name ending in a path separator), or the default name (``codec`` None: chosen per
    video, :func:`~vidcolor.outputs.default_output`). ``subfolders`` (per input, from
    :func:`find_inputs`): a recursive run mirrors them inside the output folder (the current one
    without ``-o``). Also returns the folders the caller must create (after every check),
    outermost first. Creates nothing."""
    subs = subfolders or [Path(".")] * len(inputs)
    if output is None:
        if not any(str(s) != "." for s in subs):
            return [default_output(p, style, codec) for p in inputs], []
        output = Path(".")
    o = Path(output)
    folder_meant = str(output).endswith(("/", os.sep))
    if several or o.is_dir() or folder_meant:
        if o.exists() and not o.is_dir():
            raise VidcolorError(f"-o '{output}' names a folder, but '{o}' is a file" if folder_meant else
                                f"-o '{o}' is a file, but several inputs need an output folder")
        if several and not o.exists() and not folder_meant and o.suffix.lower() in IMAGE_EXTS | set(VIDEO_EXTS):
            raise VidcolorError(f"several inputs need an output folder, and '{o}' looks like a file name; "
                                f"give a folder (e.g. -o {o.with_suffix('')}/) or render the inputs one at a time")
        missing: list[Path] = []
        for folder in dict.fromkeys(o / s for s in subs):
            chain, d = [], folder
            while not d.is_dir():
                if d.exists():
                    raise VidcolorError(f"cannot make output folder '{folder}': '{d}' is a file")
                chain.append(d)
                if d.parent == d:
                    break
                d = d.parent
            missing += [d for d in reversed(chain) if d not in missing]
        return [default_output(p, style, codec, o / s) for p, s in zip(inputs, subs)], missing
    return [o], []


def check_not_inside(inputs) -> None:
    """A recursive run without ``-o`` mirrors its folders in the current one: refused when that lies
    inside an input folder (the tree would be copied into a part of itself)."""
    here = Path.cwd().resolve()
    for raw in inputs:
        p = Path(raw)
        if p.is_dir() and p.resolve() != here and p.resolve() in here.parents:
            raise VidcolorError(f"the current folder is inside the input folder '{p}', where a recursive run without -o "
                                "would write its outputs; give an output folder with -o")


def check_found_once(files: list[Path], outs: list[Path]) -> None:
    """VidcolorError if one file is among the inputs twice with two outputs (a folder and a folder or
    file inside it, with --recursive); twice with one output is a clash that check_clashes names."""
    first: dict[str, tuple[Path, Path]] = {}
    problems = []
    for f, o in zip(files, outs):
        key = same_file_key(f)
        if key in first and first[key][1] != o:
            problems.append(f"'{f}' is among the inputs twice (it would be written to '{first[key][1]}' and '{o}')")
        first.setdefault(key, (f, o))
    if problems:
        raise VidcolorError("; ".join(problems) + "; give each folder or file once")
