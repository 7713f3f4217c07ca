"""README.md is a short front door and the docs it leads to are all there (docs/index.md).

The examples README and docs/ show are checked against the demo in
tests/integration/test_examples.py; this file checks the documents themselves.
"""

import re
from pathlib import Path

import pytest

from benchmarks import bench_wrk

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
INDEX = ROOT / "docs" / "index.md"
# Markdown links [text](target); targets with a scheme or only an anchor are not files.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
DOC_PATH = re.compile(r"(?<![\w/.-])((?:docs/[\w/.-]+|README|CHANGELOG)\.md)")


def documents() -> list[Path]:
    return [README, ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]


def relative_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [target for target in LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")]


def test_readme_is_short_and_has_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    text = "\n".join(lines)
    assert "make run" in text and "make test" in text
    assert "## Try this first" in text and "## Settings" in text


def test_readme_and_the_index_link_each_other():
    assert "docs/index.md" in relative_links(README)
    assert "../README.md" in relative_links(INDEX)


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file(path):
    broken = [target for target in relative_links(path)
              if not (path.parent / target.split("#", 1)[0]).is_file()]
    assert broken == []


def test_the_index_links_every_document():
    linked = {(INDEX.parent / target.split("#", 1)[0]).resolve()
              for target in relative_links(INDEX)}
    pages = {p.resolve() for p in (ROOT / "docs").rglob("*.md") if p != INDEX}
    assert sorted(str(p.relative_to(ROOT)) for p in pages - linked) == []


def test_docs_paths_named_in_docs_tests_and_tools_exist():
    """No dangling `docs/….md` left behind by a move (portal/ comments are not scanned)."""
    sources = [*documents(), ROOT / "Makefile", *sorted((ROOT / "benchmarks").glob("*.py")),
               *sorted((ROOT / "tests").rglob("*.py"))]
    missing = {f"{source.relative_to(ROOT)}: {name}" for source in sources
               for name in DOC_PATH.findall(source.read_text(encoding="utf-8"))
               if not (ROOT / name).is_file() and "…" not in name}
    assert missing == set()


def test_make_bench_http_writes_its_table_into_the_performance_page(tmp_path, monkeypatch):
    page = tmp_path / "performance.md"
    page.write_text(bench_wrk.TABLE_PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(bench_wrk, "TABLE_PAGE", page)
    bench_wrk.write_table("| new table |")
    text = page.read_text(encoding="utf-8")
    assert f"{bench_wrk.BEGIN}\n| new table |\n{bench_wrk.END}" in text
    assert text.startswith("# Performance")
