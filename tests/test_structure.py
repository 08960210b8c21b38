"""The layout holds: no import cycles, phases independent, one writer per piece of state.

These read the source (AST), not the running model.
"""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from bubblesim.columns import Table

ROOT = Path(__file__).resolve().parents[1] / "bubblesim"
MODULES = {
    ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__"): path
    for path in ROOT.rglob("*.py")
}


def _runtime_imports(path: Path) -> set[str]:
    """Modules of ``bubblesim`` a file imports when it runs (not under ``TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {name for name in found if name in MODULES}


def _runtime_imports_any(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


GRAPH = {module: _runtime_imports(path) for module, path in MODULES.items()}


def test_there_is_no_runtime_import_cycle():
    done: set[str] = set()

    def visit(module: str, stack: list[str]) -> None:
        if module in stack:
            cycle = " -> ".join([*stack[stack.index(module) :], module])
            pytest.fail(f"import cycle: {cycle}")
        if module in done:
            return
        for target in sorted(GRAPH[module] - {module}):
            if module.startswith(target + "."):
                continue  # a package's own __init__
            visit(target, [*stack, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_no_phase_imports_another_phase():
    phases = {m for m in MODULES if m.startswith("bubblesim.phases.")}
    for phase in phases:
        others = GRAPH[phase] & (phases - {phase})
        assert not others, f"{phase} imports {sorted(others)}"


def test_the_library_never_imports_the_user_interface():
    for module, path in MODULES.items():
        imported = _runtime_imports_any(path)
        assert not any(name.split(".")[0] in ("solara", "viz") for name in imported), module


def _tables() -> list[type[Table]]:
    for module in MODULES:
        importlib.import_module(module)
    out, todo = [], [Table]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            out.append(sub)
            todo.append(sub)
    return out


def _owners() -> dict[str, set[Path]]:
    """Each column name → the files of the tables that declare it (its only writers)."""
    owners: dict[str, set[Path]] = {}
    for table in _tables():
        path = Path(inspect.getfile(table)).resolve()
        for name in table.FIELDS:
            owners.setdefault(name, set()).add(path)
    return owners


def _written_columns(tree: ast.AST) -> list[tuple[str, int]]:
    """``x.col[...] = …``, ``x.col[...] += …`` and ``x.col = …`` in a module."""
    out = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        while targets:
            target = targets.pop()
            if isinstance(target, ast.Tuple | ast.List):
                targets.extend(target.elts)
                continue
            while isinstance(target, ast.Subscript):
                target = target.value  # the array written, not its index
            if isinstance(target, ast.Attribute) and not (
                isinstance(target.value, ast.Name) and target.value.id == "self"
            ):
                out.append((target.attr, node.lineno))
    return out


def test_state_is_written_only_by_its_owner():
    """A column of the agent, ledger or instrument tables changes only where it is declared.

    Agents act on one another through the owners' methods.
    """
    owners = _owners()
    assert {"cash_usd", "status", "gpu_mw", "principal_usd", "desired_mw"} <= set(owners)
    for path in MODULES.values():
        for name, line in _written_columns(ast.parse(path.read_text())):
            if name in owners:
                assert path.resolve() in owners[name], f"{path}:{line} writes {name!r}"


def test_reporting_reads_and_never_writes():
    owners = _owners()
    for module, path in MODULES.items():
        if not module.startswith("bubblesim.reporting."):
            continue
        tree = ast.parse(path.read_text())
        written = [(n, line) for n, line in _written_columns(tree) if n in owners]
        assert not written, f"{module} writes {written}"
        calls = {
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        mutators = {"transfer", "post_pnl", "record", "add", "terminate", "write_off", "repay"}
        assert not calls & mutators, f"{module} calls {sorted(calls & mutators)}"


def test_every_agent_type_is_registered_once():
    from bubblesim.agents.base import AGENT_TYPES
    from bubblesim.agents.registry import AGENT_CLASSES, CLASS_OF_TYPE

    assert set(CLASS_OF_TYPE) == set(AGENT_TYPES)
    kinds = [kind for _, _, _, covered in AGENT_CLASSES for kind in covered]
    assert len(kinds) == len(set(kinds))
    # no other module spells out the list of types
    for module, path in MODULES.items():
        if module in ("bubblesim.agents.base", "bubblesim.agents.registry"):
            continue
        if module == "bubblesim.population.spec":
            continue  # the builder: one record type per agent type
        text = path.read_text()
        spelled = [
            f"AgentType.{kind.name}" for kind in AGENT_TYPES if f"AgentType.{kind.name}" in text
        ]
        assert len(spelled) < len(AGENT_TYPES), f"{module} lists every agent type"


def test_the_writer_check_sees_writes_through_attributes_not_reads_in_indices():
    code = "world.ledger.cash_usd[3] += 1\nbook.contracts.status[rows] = 2\nout[t.row] = t.mw\n"
    assert sorted(name for name, _ in _written_columns(ast.parse(code))) == ["cash_usd", "status"]
