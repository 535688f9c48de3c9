"""The layers of DESIGN.md, checked on the source: every import of every
radish module (top level and inside functions) points down or stays in its
own package, and no two modules import each other, directly or around a
cycle. A piece that needs something above it is in the wrong room: it
reaches it through the server object instead."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "radish"

# Bottom to top; a module may import modules of its own package or of a
# lower layer, nothing else.
LAYERS: list[set[str]] = [
    {"radish", "strconv", "errors", "globmatch", "stats", "latency", "notifyflags"},  # primitives (radish: the package's own __init__)
    {"protocol", "log", "memory"},  # RESP; logging; used_memory
    {"config", "db"},  # parameters, the keyspace
    {"propagation", "pubsub"},  # the funnel; channels
    {"persistence"},  # RDB, AOF
    {"client"},  # a handler's context: the client's state and the server's Services
    {"commands"},  # handlers and the registry
    {"eviction"},  # maxmemory: what the core does before it runs a command
    {"dispatch"},  # the execution core
    {"blocking", "scripting", "tracking"},  # services that run commands through the core
    {"net", "replication", "cluster"},  # sockets (cluster: the node table and its bus)
    {"server"},  # owns everything
    {"embed"},  # radish.serve(): a server in this process
    {"pytest_plugin", "__main__"},  # the pytest plugin; the command line
]
# The one arrow up: the package's front door, ``radish.serve``, imports the
# embedding module when it is called (inside the function), so that
# ``import radish`` stays cheap and every lower module may import the
# package's constants.
FRONT_DOOR = ("radish", "radish.embed")
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """module -> radish modules it imports (anywhere in its file)."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    full = target + "." + alias.name
                    targets.append(full if full in modules else target)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != mod and (mod, t) != FRONT_DOOR:
                    graph[mod].add(t)
    return graph


def _top(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "radish"


def test_every_package_has_a_layer():
    tops = {_top(m) for m in _imports()}
    assert tops <= set(RANK), sorted(tops - set(RANK))


def test_imports_point_down():
    wrong = []
    for mod, targets in _imports().items():
        for t in targets:
            a, b = _top(mod), _top(t)
            if a != b and RANK[b] >= RANK[a]:
                wrong.append("%s -> %s" % (mod, t))
    assert not wrong, wrong


def test_no_import_cycles():
    graph = _imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_the_front_door_is_the_only_arrow_up():
    """``radish.serve`` reaches radish.embed; nothing else in the package's
    ``__init__`` imports radish modules."""
    tree = ast.parse((ROOT / "__init__.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            found |= {node.module} if node.module else {a.name for a in node.names}
    assert found == {"embed"}


def test_the_checker_sees_imports_inside_functions():
    """The walk reaches function bodies (where the worst arrows hid)."""
    graph = _imports()
    assert "radish.dispatch" in graph["radish.blocking"]
    assert any(t.startswith("radish.scripting") for t in graph["radish.server"])
