"""Fetch Debian packages without installing them, and read their DEP-5 copyright files."""
from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path


def fetch_packages(names: list[str], deb_dir: Path) -> dict[str, str | None]:
    """Download each package's .deb into `deb_dir` (kept as a cache).

    Returns {name: path to .deb, or None when the package could not be had}.
    A missing package is reported, never fatal.
    """
    deb_dir.mkdir(parents=True, exist_ok=True)
    found: dict[str, str | None] = {}
    updated = False
    for name in names:
        debs = sorted(deb_dir.glob(f"{name}_*.deb"))
        if not debs:
            for attempt in range(2):
                r = subprocess.run(["apt-get", "download", name], cwd=deb_dir,
                                   capture_output=True, text=True)
                if r.returncode == 0 or updated:
                    break
                print(f"[fetch] {name}: {r.stderr.strip().splitlines()[-1:]}; running apt-get update",
                      file=sys.stderr)
                subprocess.run(["apt-get", "update"], capture_output=True)
                updated = True
            debs = sorted(deb_dir.glob(f"{name}_*.deb"))
        if not debs:
            alt = subprocess.run(["apt-cache", "search", "--names-only", name.split("-")[0]],
                                 capture_output=True, text=True).stdout.strip()
            print(f"[fetch] MISSING {name}; apt-cache search suggests:\n{alt}", file=sys.stderr)
            found[name] = None
        else:
            found[name] = str(debs[-1])
    return found


def unpack(deb: str, root: Path) -> Path:
    """`dpkg -x` the .deb into root/<pkg> once (a .done marker records the .deb)."""
    pkg = Path(deb).name.split("_")[0]
    dest = root / pkg
    marker = dest / ".done"
    if marker.exists() and marker.read_text() == Path(deb).name:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    subprocess.run(["dpkg", "-x", deb, str(dest)], check=True)
    marker.write_text(Path(deb).name)
    return dest


def deb_version(deb: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True,
                          text=True, check=True).stdout.strip()


def parse_copyright(pkg_root: Path, pkg: str) -> list[tuple[list[str], str, str]]:
    """Stanzas of a DEP-5 copyright file as [(file patterns, copyright, license)]."""
    path = pkg_root / "usr/share/doc" / pkg / "copyright"
    if not path.exists():
        return []
    stanzas = []
    for block in re.split(r"\n\s*\n", path.read_text(errors="replace")):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
            if m:
                key = m.group(1).lower()
                fields[key] = m.group(2)
            elif key and line.startswith((" ", "\t")):
                fields[key] += " " + line.strip()
        if "files" in fields:
            stanzas.append((fields["files"].split(), fields.get("copyright", "").strip(),
                            fields.get("license", "").split(" ")[0]))
    return stanzas


def license_for(stanzas, file_path: str) -> dict[str, str]:
    """Copyright stanza for an installed file.

    DEP-5 patterns name upstream paths, which differ from installed ones, so a
    pattern matches when it matches the installed path's last components
    (``backgrounds/ramon/*``) or, for a pattern without wildcards in its last
    part, the basename (``16.04/Bridge_by_X.jpg``). The last match wins, as
    in DEP-5; ``Files: *`` is the fallback.
    """
    parts = Path(file_path).parts
    best = None
    for patterns, holder, lic in stanzas:
        for pat in patterns:
            if pat == "*" or pat.startswith("debian/"):
                continue
            n = len(Path(pat).parts)
            tail = "/".join(parts[-n:])
            name = Path(pat).name
            if fnmatch.fnmatch(tail, pat) or (not any(c in name for c in "*?[") and name == parts[-1]):
                best = (holder, lic)
    if best is None:
        for patterns, holder, lic in stanzas:
            if "*" in patterns:
                best = (holder, lic)
    holder, lic = best or ("unknown", "unknown")
    return {"copyright": holder, "license": lic}
