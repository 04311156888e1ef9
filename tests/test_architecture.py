"""The package's layout keeps its promises (docs/ARCHITECTURE.md): dependencies run one way,
from the command line down to the mathematics, with no import cycle (imports inside functions
count), and no module is too long to read in one sitting."""

import ast
import subprocess
import sys
from pathlib import Path

import glassnet

ROOT = Path(glassnet.__file__).parent
BASE = {"errors", "_files", "_version", "card", "columns", "cores"}
# What each sub-package may import besides itself and BASE.
ALLOWED = {
    "nn": set(),
    "datasets": set(),
    "parallel": set(),
    "train": {"nn"},
    "models": {"nn", "datasets"},
    "fast": {"train", "nn"},
    "teach": {"train", "models", "datasets", "nn"},
    "lab": {"train", "models", "datasets", "nn", "parallel"},
    "runs": {"lab", "train", "models", "datasets", "nn"},  # lab: the divergence advice
    "sweep": {"runs", "parallel", "train", "models", "datasets", "nn"},
    "viz": {"runs", "sweep", "lab", "teach", "train", "models", "datasets", "nn"},
    "interop": {"models", "nn"},
    "sklearn": {"runs", "lab", "train", "models", "datasets", "nn"},
    "playground": {"viz", "runs", "lab", "teach", "train", "models", "datasets", "nn"},
    "cli": {
        "interop",
        "playground",
        "viz",
        "runs",
        "sweep",
        "parallel",
        "lab",
        "teach",
        "train",
        "models",
        "datasets",
        "nn",
        "glassnet",
    },
    "glassnet": {"nn", "train", "fast", "teach", "runs", "models", "interop"},
    "__main__": {"cli"},
}
# The one place the mathematics reaches up: Network.fit/evaluate/save delegate to the
# training loop and the model files, imported when called.
DELEGATIONS = {
    ("glassnet.nn.network", "glassnet.train.trainer"),
    ("glassnet.nn.network", "glassnet.train.evaluate"),
    ("glassnet.nn.network", "glassnet.models.files"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}
EXTENSIONS = {"glassnet.fast._ckernels"}


def imports_of(name: str, path: Path) -> set[str]:
    """Every glassnet module `name` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("glassnet")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("glassnet"):
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if full in MODULES or full in EXTENSIONS else target)
    found.discard(name)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def package(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "glassnet"


def test_dependencies_run_one_way():
    wrong = []
    for name, targets in GRAPH.items():
        source = package(name)
        for target in targets:
            dest = package(target)
            if dest in (source, *BASE) or (name, target) in DELEGATIONS:
                continue
            if source in BASE or dest not in ALLOWED[source]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycles_besides_the_network_delegations():
    graph = {n: {t for t in ts if t in MODULES and (n, t) not in DELEGATIONS}
             for n, ts in GRAPH.items()}  # fmt: skip
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            raise AssertionError("import cycle: " + " → ".join(cycle))


def test_no_module_is_over_500_lines():
    long = {name: n for name, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}  # fmt: skip
    assert not long, long


def test_the_mathematics_holds_no_speed_hooks():
    """The reference path is the documents' equations: the fast route lives in glassnet.fast."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "nn").glob("*.py"))
    for hook in ("workspace", "prescal", "grad_scale", "_ckernels", "out=x"):
        assert hook not in source, hook


def test_importing_glassnet_loads_numpy_only():
    code = (
        "import sys, glassnet\n"
        "outside = {m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)\n"
        "print(sorted(outside - {'glassnet', 'numpy', '__main__', '_distutils_hack'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
