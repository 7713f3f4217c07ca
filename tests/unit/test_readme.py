"""README.md is assembled from docs/readme/*.md: it must not drift from its sections."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_is_assembled_from_its_section_files():
    result = subprocess.run([sys.executable, "docs/build_readme.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_readme_has_every_section_file_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for section in sorted((ROOT / "docs" / "readme").glob("*.md")):
        first_heading = next(line for line in section.read_text(encoding="utf-8").splitlines()
                             if line.startswith("## "))
        assert first_heading in readme, section.name
    assert "make run" in readme and "make test" in readme
