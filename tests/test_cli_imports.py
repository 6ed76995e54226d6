"""The command line names the modules it calls: no route through the package's lazy attributes."""

import ast
from pathlib import Path

import pytest

import clfdiag

CLI = sorted((Path(clfdiag.__file__).parent / "cli").rglob("*.py"))


@pytest.mark.parametrize("path", CLI, ids=lambda p: p.name)
def test_cli_does_not_reach_the_api_through_the_package(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy = set(clfdiag._LAZY)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert not (node.value.id == "clfdiag" and node.attr in lazy), node.attr
        if isinstance(node, ast.ImportFrom) and node.module == "clfdiag":
            assert not {a.name for a in node.names} & lazy
