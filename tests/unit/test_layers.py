"""Imports go one way (docs/architecture.md): a wrong-way import fails the build."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINTS = ("portal.public", "portal.certificates", "portal.qr", "portal.search",
              "portal.suppliers", "portal.complaints", "portal.staff", "portal.api",
              "portal.transparency")
PRESENTATION = (*BLUEPRINTS, "portal.templating", "portal.errors", "portal.commands",
                "portal.cli")


def imports_of(path: Path) -> list[tuple[int, list[str]]]:
    """Return (line, modules it may load) for every absolute import statement in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from portal import api` loads the blueprint package `portal.api`
            found.append((node.lineno, [node.module] + [f"{node.module}.{alias.name}"
                                                         for alias in node.names]))
    return found


def offending(folder: str, forbidden: tuple[str, ...],
              allowed: tuple[str, ...] = ()) -> list[str]:
    """List `file:line module` for each import under `folder` of a forbidden module."""

    def matches(module: str, names: tuple[str, ...]) -> bool:
        return any(module == n or module.startswith(n + ".") for n in names)

    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for line, modules in imports_of(path):
            hit = next((m for m in modules if matches(m, forbidden) and not matches(m, allowed)),
                       None)
            if hit:
                bad.append(f"{path.relative_to(ROOT)}:{line} {hit}")
    return bad


@pytest.mark.parametrize(("folder", "forbidden", "allowed"), [
    ("portal/services", PRESENTATION, ()),
    ("portal/register", ("portal.services", *PRESENTATION), ()),
    ("portal/models", ("portal.services", "portal.register", *PRESENTATION), ()),
    ("portal/domain", ("portal", "flask", "flask_babel", "sqlalchemy", "whoosh"),
     ("portal.domain",)),
    ("search_index", ("portal",), ()),
])
def test_layer_imports_only_downwards(folder, forbidden, allowed):
    assert offending(folder, forbidden, allowed) == []


def test_the_check_finds_a_wrong_way_import(tmp_path, monkeypatch):
    """The checker itself: a services module importing a blueprint is reported."""
    pkg = tmp_path / "portal" / "services"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text("from portal.certificates.public import x\nfrom portal import api\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert offending("portal/services", PRESENTATION) == [
        "portal/services/bad.py:1 portal.certificates.public",
        "portal/services/bad.py:2 portal.api",
    ]
