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


def test_the_command_line_sets_them_before_torch_loads():
    # the entry point, in a fresh interpreter without the variable: torch must not be imported by then
    code = ("import os, sys; os.environ.pop('OMP_WAIT_POLICY', None); import vidcolor.cli as c; "
            "assert 'torch' not in sys.modules; sys.argv = ['vidcolor', '--help']; "
            "import click\n"
            "try:\n    c.main()\nexcept SystemExit:\n    pass\n"
            "print(os.environ['OMP_WAIT_POLICY'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == OPENMP_DEFAULTS["OMP_WAIT_POLICY"]
