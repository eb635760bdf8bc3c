"""The package layout stays the pipeline: no import cycles, and each stage of `indexer`
imports only the stages before it (ingest, index, translate, search, export,
evaluation), never the web app."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

STAGES = ["ingest", "index", "translate", "search", "export", "evaluation"]
SHARED = {"indexer.config", "indexer.models", "indexer.dates"}


def _modules() -> dict[str, Path]:
    out = {}
    for package in ("indexer", "webapp"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Every project module each module imports, lazy imports inside functions included."""
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module
                candidates = [target] + [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            found.update(c for c in candidates if c in modules and c != name)
        graph[name] = found
    return graph


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "indexer" and len(parts) > 1 and parts[1] in STAGES else None


def test_no_import_cycle():
    graph = _imports(_modules())
    done, active = set(), []

    def visit(node):
        if node in active:
            raise AssertionError("import cycle: " + " -> ".join(active[active.index(node):]
                                                                 + [node]))
        if node in done:
            return
        active.append(node)
        for dep in sorted(graph[node]):
            visit(dep)
        active.pop()
        done.add(node)

    for module in sorted(graph):
        visit(module)


def test_each_stage_imports_only_earlier_stages_and_never_the_web_app():
    graph = _imports(_modules())
    assert graph, "no modules found"
    wrong = []
    for module, deps in graph.items():
        stage = _stage(module)
        if stage is None and module in SHARED:
            stage = ""  # shared modules import no stage at all
        elif stage is None:
            continue  # the command line (cli) and the web app sit on top
        for dep in deps:
            dep_stage = _stage(dep)
            if dep.startswith("webapp") or (
                    dep_stage and (stage == "" or STAGES.index(dep_stage) > STAGES.index(stage))):
                wrong.append(f"{module} imports {dep}")
    assert not wrong, wrong
