"""The shape of the package, read from its source with ``ast`` (nothing of it is imported).

1. No import circle: the graph of the package's modules, with an edge for every
   import anywhere in a file (top level, inside functions, under
   ``if TYPE_CHECKING:``, and ``importlib.import_module`` of a literal name), has
   no strongly connected component of more than one module.
2. No upward import: ``core/`` and ``engines/`` import nothing of ``report``,
   ``reports``, ``render``, ``cli`` or ``api``; ``reports/`` nothing of ``render``
   or ``cli``.
3. One builder per report: ``reports/<command>.py`` for every command,
   ``report.py`` gone, ``"schema_version"`` written only under ``reports/``, and
   no dict returned by a function of ``reports/`` modified outside it.

And the Python API is complete: one function per command, listed in ``__all__``.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "clfdiag"


def _modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (``pkg/__init__.py`` is ``pkg``)."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path))
         for name, path in MODULES.items()}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _nearest_module(name: str) -> str | None:
    """``name`` if it is a module of the package, else its closest enclosing module."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _from_base(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of the module a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    here = module.split(".") if _is_package(module) else module.split(".")[:-1]
    here = here[:len(here) - node.level + 1]
    return ".".join(here + ([node.module] if node.module else []))


def _imported(module: str, node: ast.AST) -> list[str]:
    """The modules of the package that one statement or call imports."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = _from_base(module, node)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                 for a in node.names]
    elif (isinstance(node, ast.Call) and node.args
          and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
          and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
               or (isinstance(node.func, ast.Name) and node.func.id == "import_module"))):
        names = [node.args[0].value]
    else:
        return []
    return [found for n in names if _within(n, PACKAGE)
            and (found := _nearest_module(n)) is not None]


def _lazy_table(tree: ast.Module) -> set[str]:
    """Modules named by string in the package's ``__init__`` (imported on attribute access)."""
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value in MODULES and node.value != PACKAGE}


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, tree in TREES.items():
        edges = {target for node in ast.walk(tree) for target in _imported(name, node)}
        if name == PACKAGE:
            edges |= _lazy_table(tree)
        edges.discard(name)
        graph[name] = edges
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components, iteratively (the graph is small, but recursion needs no limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def test_strongly_connected_components_on_a_known_graph():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e", "d"}}
    assert sorted(map(sorted, strongly_connected(graph))) == [["a", "b", "c"], ["d"], ["e"]]


def test_no_import_circle():
    circles = [sorted(c) for c in strongly_connected(import_graph()) if len(c) > 1]
    assert circles == []


def _upward(graph: dict[str, set[str]]) -> list[str]:
    rules = [(("core", "engines"), ("report", "reports", "render", "cli", "api")),
             (("reports",), ("render", "cli"))]
    found = []
    for source, targets in graph.items():
        for layers, forbidden in rules:
            if not _within(source, *(f"{PACKAGE}.{layer}" for layer in layers)):
                continue
            found += [f"{source} -> {t}" for t in sorted(targets)
                      if _within(t, *(f"{PACKAGE}.{f}" for f in forbidden))]
    return found


def test_no_upward_import():
    assert _upward(import_graph()) == []


def test_upward_imports_are_found():
    graph = {"clfdiag.core.x": {"clfdiag.render.views.evaluate", "clfdiag.io"},
             "clfdiag.reports.y": {"clfdiag.cli"}, "clfdiag.render.z": {"clfdiag.reports.y"}}
    assert _upward(graph) == ["clfdiag.core.x -> clfdiag.render.views.evaluate",
                              "clfdiag.reports.y -> clfdiag.cli"]


# --- one builder per report ----------------------------------------------------------------

def _command_names() -> list[str]:
    from typer.main import get_command

    from clfdiag.cli.app import app

    return sorted(get_command(app).commands)


def test_one_report_module_per_command():
    assert f"{PACKAGE}.report" not in MODULES
    assert _is_package(f"{PACKAGE}.reports")
    for command in _command_names():
        assert f"{PACKAGE}.reports.{command.replace('-', '_')}" in MODULES, command


def _is_typeddict_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "TypedDict")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "TypedDict"))


def _is_schema_key(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value == "schema_version"


def schema_version_writes(tree: ast.Module) -> list[int]:
    """Lines that write the key ``"schema_version"`` (a TypedDict's declaration is no write)."""
    declared = {id(arg) for node in ast.walk(tree) if _is_typeddict_call(node)
                for arg in node.args}
    lines = []
    for node in ast.walk(tree):
        display = (isinstance(node, ast.Dict) and id(node) not in declared
                   and any(_is_schema_key(k) for k in node.keys))
        keyword = (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                   and node.func.id == "dict"
                   and any(k.arg == "schema_version" for k in node.keywords))
        if display or keyword:
            lines.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = (node.targets if isinstance(node, (ast.Assign, ast.Delete))
                       else [node.target])
            lines += [node.lineno for t in targets
                      if isinstance(t, ast.Subscript) and _is_schema_key(t.slice)]
    return sorted(lines)


def test_schema_version_is_written_only_by_the_report_builders():
    found = {name: lines for name, tree in TREES.items()
             if not _within(name, f"{PACKAGE}.reports")
             and (lines := schema_version_writes(tree))}
    assert found == {}


def _scopes(tree: ast.Module) -> Iterator[list[ast.AST]]:
    """The nodes of each scope: the module's, then each function's (nested ones apart)."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

    def own(scope: ast.AST) -> list[ast.AST]:
        nodes, todo = [], list(ast.iter_child_nodes(scope))
        while todo:
            node = todo.pop()
            nodes.append(node)
            if not isinstance(node, functions):
                todo.extend(ast.iter_child_nodes(node))
        return nodes

    yield own(tree)
    for node in ast.walk(tree):
        if isinstance(node, functions):
            yield own(node)


def _report_builders(module: str, tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to functions of ``reports/``, and names bound to its modules."""
    functions, modules = set(), set()
    reports = f"{PACKAGE}.reports"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _from_base(module, node)
            for alias in node.names:
                bound = alias.asname or alias.name
                if f"{base}.{alias.name}" in MODULES and _within(base, reports):
                    modules.add(bound)
                elif _within(base, reports):
                    functions.add(bound)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _within(alias.name, reports) and alias.asname:
                    modules.add(alias.asname)
    return functions, modules


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


MUTATORS = {"update", "setdefault", "pop", "popitem", "clear"}


def mutated_reports(module: str, tree: ast.Module) -> list[str]:
    """``name:line`` where a dict returned by a function of ``reports/`` is modified."""
    functions, modules = _report_builders(module, tree)
    if not functions and not modules:
        return []

    def from_reports(call: ast.AST) -> bool:
        if not isinstance(call, ast.Call):
            return False
        f = call.func
        return ((isinstance(f, ast.Name) and f.id in functions)
                or (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                    and f.value.id in modules))

    found = []
    for nodes in _scopes(tree):
        built = set()
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and from_reports(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    built |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
        for node in nodes:
            hits: list[ast.AST] = []
            if isinstance(node, (ast.Assign, ast.Delete)):
                hits = [t for t in node.targets if isinstance(t, ast.Subscript)]
            elif isinstance(node, ast.AugAssign):
                hits = [node.target] if isinstance(node.target, ast.Subscript) or isinstance(
                    node.op, ast.BitOr) else []
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Subscript):
                hits = [node.target]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in MUTATORS):
                hits = [node.func.value]
            found += [f"{_root_name(h)}:{node.lineno}" for h in hits
                      if _root_name(h) in built]
    return sorted(found, key=lambda hit: int(hit.rpartition(":")[2]))


def test_no_report_is_modified_after_its_builder():
    found = {name: hits for name, tree in TREES.items()
             if not _within(name, f"{PACKAGE}.reports") and (hits := mutated_reports(name, tree))}
    assert found == {}


def test_the_mutation_check_sees_every_form():
    tree = ast.parse(
        "from clfdiag.reports.evaluate import evaluate_report\n"
        "from clfdiag.reports import ood\n"
        "def f():\n"
        "    r = evaluate_report(1)\n"
        "    r['a'] = 1\n"
        "    r['notes'] += ['x']\n"
        "    del r['b']\n"
        "    r |= {}\n"
        "    r.update(c=1)\n"
        "    r['d']['e'] = 2\n"
        "    s = ood.ood_report(2)\n"
        "    s.setdefault('x', 1)\n"
        "    t = dict(evaluate_report(1))\n"
        "    t['copy'] = 1\n"
        "def g(r):\n"
        "    r['not built here'] = 1\n")
    found = mutated_reports("clfdiag.cli.commands.evaluate", tree)
    assert found == ["r:5", "r:6", "r:7", "r:8", "r:9", "r:10", "s:12"]


def test_the_schema_check_sees_every_form():
    tree = ast.parse(
        "A = TypedDict('A', {'schema_version': int})\n"
        "x = {'schema_version': 1}\n"
        "y = dict(schema_version=1)\n"
        "x['schema_version'] = 2\n"
        "v = x['schema_version']\n")
    assert schema_version_writes(tree) == [2, 3, 4]


# --- a complete API ------------------------------------------------------------------------

def test_every_command_has_its_api_function_and_back():
    import clfdiag

    commands = {name.replace("-", "_") for name in _command_names()}
    for name in commands:
        assert name in clfdiag.__all__, name
        assert callable(getattr(clfdiag, name)), name
    assert set(clfdiag.COMMANDS) == commands


@pytest.mark.parametrize("name", ["evaluate", "compare", "threshold", "calibrate", "ood",
                                  "ThresholdSettings", "__version__"])
def test_public_names_are_exported(name):
    import clfdiag

    assert name in clfdiag.__all__
    assert getattr(clfdiag, name) is not None
