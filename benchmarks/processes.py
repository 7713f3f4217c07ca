"""Run a `portal` command or a Python snippet in a fresh process, as benchmarks need."""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from benchmarks.gunicorn_server import ROOT


def _run(argv: list[str], env: Mapping[str, str]) -> str:
    """Run `argv` in the checkout with `env` over this environment; return its stdout, or
    stop the benchmark with the command's whole output when it fails."""
    done = subprocess.run(argv, cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv[:3])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def portal(env: Mapping[str, str], *args: str) -> str:
    """Run `portal ARGS` (the console script beside this interpreter)."""
    return _run([str(Path(sys.executable).with_name("portal")), *args], env)


def python(env: Mapping[str, str], code: str) -> str:
    """Run `code` with this interpreter."""
    return _run([sys.executable, "-c", code], env)
