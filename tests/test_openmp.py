import subprocess
import sys

from vidcolor.openmp import OPENMP_DEFAULTS, apply_openmp_defaults, openmp_env


def test_defaults_fill_only_what_the_environment_leaves_unset(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert openmp_env() == {"OMP_WAIT_POLICY": "PASSIVE"}
    apply_openmp_defaults()
    import os
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    apply_openmp_defaults()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE" and openmp_env() == {"OMP_WAIT_POLICY": "ACTIVE"}


def test_render_commands_set_them_before_torch_loads(tmp_path):
    # a fresh interpreter without the variable; the render fails at once (no such input), after the
    # command began: torch must not be loaded by then, and train must leave the default alone
    def run(*args):
        code = ("import os, sys; os.environ.pop('OMP_WAIT_POLICY', None); import vidcolor.cli as c; "
                f"sys.argv = ['vidcolor', *{list(args)!r}]\n"
                "try:\n    c.main()\nexcept SystemExit:\n    pass\n"
                "print(os.environ.get('OMP_WAIT_POLICY'), 'torch' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
        return out.strip().splitlines()[-1]

    assert run("process", "missing.mp4").startswith(OPENMP_DEFAULTS["OMP_WAIT_POLICY"])
    assert run("train", "--config", "missing.yaml", "--out", "r") == "None False"


def test_a_library_user_can_apply_them_before_torch_loads():
    """The README's recipe for library users: importing vidcolor.openmp (and vidcolor) loads no torch."""
    code = ("import sys, vidcolor, vidcolor.openmp as o; loaded = 'torch' in sys.modules; o.apply_openmp_defaults(); "
            "print(loaded)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
