"""Assemble README.md: the hand-written head, then every section file of docs/readme/.

`python docs/build_readme.py` rewrites README.md; `--check` exits 1 when it is out of date
(tests/unit/test_readme.py runs the check, so the README never drifts from its sections).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECTIONS = ROOT / "docs" / "readme"
MARKER = "<!-- sections below are assembled from docs/readme/*.md by `make readme` -->"
# The order a newcomer reads in; files not listed follow in alphabetical order.
ORDER = ("00-commands.md", "pages.md", "verify.md", "import.md", "search.md", "qr.md", "public.md",
         "complaints.md", "staff.md", "90-suppliers.md", "95-benchmarks.md")


def section_files() -> list[Path]:
    """Return the section files in reading order."""
    present = {p.name: p for p in SECTIONS.glob("*.md")}
    ordered = [present.pop(name) for name in ORDER if name in present]
    return ordered + [present[name] for name in sorted(present)]


def assemble(current: str) -> str:
    """Return README text: everything above the marker kept, the sections after it."""
    head, found, _ = current.partition(MARKER)
    if not found:
        raise SystemExit(f"{README}: the marker line is missing: {MARKER}")
    parts = [head.rstrip() + "\n\n" + MARKER + "\n"]
    parts += [path.read_text(encoding="utf-8").strip() + "\n" for path in section_files()]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = assemble(current)
    if "--check" in argv:
        if current != wanted:
            print("README.md is out of date: run `make readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
