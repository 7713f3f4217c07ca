"""The tree stays lint-clean and strictly typed where the rules live, as CI requires."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRICT = [p for p in ("portal/domain", "portal/register", "search_index") if (ROOT / p).exists()]
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool if (BIN / tool).exists() else shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} is not installed (make install brings it)")
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=300)


def test_ruff_finds_nothing():
    done = run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_strict_layers_type_check():
    done = run("mypy", *STRICT)
    assert done.returncode == 0, done.stdout + done.stderr
