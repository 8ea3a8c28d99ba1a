"""The layout rules of desktop/ARCHITECTURE.md, checked on the source: the dependency rule between
core, ml, gui and cli, gui's feature rooms meeting only in gui/window, no import cycle between
modules at load time, and small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DESKTOP = REPO / "desktop"

#: What each layer may import from the others (itself always allowed).
ALLOWED = {
    "core": set(),
    "ml": {"core"},
    "cli": {"core", "ml", "integration"},
    "gui": {"core", "ml", "integration"},
    "integration": {"core"},
}
#: "No module over about 400 lines" (ARCHITECTURE.md); the limit a module may not pass.
MAX_LINES = 430


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(DESKTOP.rglob("*.py"))}


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """Imported desktop modules; ``top_level_only`` keeps what runs when the module loads (not the
    imports inside functions, which run later, nor those under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m == "desktop" or m.startswith("desktop.")}


def test_layers_import_only_what_the_rule_allows() -> None:
    wrong = []
    for name, path in _modules().items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in ALLOWED:
            continue
        layer = parts[1]
        for imported in _imports(path, top_level_only=False):
            other = imported.split(".")[1] if imported.count(".") else None
            if other in ALLOWED and other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_at_load_time() -> None:
    modules = _modules()
    graph = {name: {m for m in _imports(path, top_level_only=True) if m in modules and m != name}
             for name, path in modules.items()}
    # Importing a.b.c also loads the packages a and a.b: count those edges as well.
    for name in list(graph):
        for dep in list(graph[name]):
            parts = dep.split(".")
            graph[name].update(".".join(parts[:i]) for i in range(2, len(parts)) if ".".join(parts[:i]) in modules
                               and not name.startswith(".".join(parts[:i])))
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_can_fail(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("from desktop.ml.engine import job\n\ndef f():\n    from desktop.gui import app\n")
    assert _imports(a, top_level_only=True) == {"desktop.ml.engine", "desktop.ml.engine.job"}
    assert "desktop.gui.app" in _imports(a, top_level_only=False)


@pytest.mark.parametrize("room", ["models", "backends", "engine", "points", "extractive", "finetune"])
def test_each_ml_room_says_what_it_holds(room: str) -> None:
    init = DESKTOP / "ml" / room / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc) > 40, f"desktop/ml/{room}/__init__.py needs a docstring saying what the room holds"


GUI_ROOMS = ("window", "intake", "jobs", "digest", "source", "models", "settings", "finetune", "mailboxes", "watch", "rollup", "process",
             "common")


@pytest.mark.parametrize("room", GUI_ROOMS)
def test_each_gui_room_says_what_it_holds(room: str) -> None:
    init = DESKTOP / "gui" / room / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc) > 40, f"desktop/gui/{room}/__init__.py needs a docstring saying what the room holds"


def test_gui_holds_only_rooms_and_the_app() -> None:
    """A new GUI module goes into the room of its feature, not beside app.py."""
    loose = sorted(p.name for p in (DESKTOP / "gui").glob("*.py"))
    assert loose == ["__init__.py", "app.py"]
    assert sorted(p.name for p in (DESKTOP / "gui").iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(GUI_ROOMS)


def test_modules_stay_small() -> None:
    big = {name: n for name, path in _modules().items()
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


#: desktop/gui's rooms by feature; each imports only itself, the shared rooms, core and ml.
GUI_SHARED_ROOMS = {"process", "common"}
#: Rooms that wire the others together (and ``app.py`` at the top).
GUI_WIRING_ROOMS = {"window"}


def _gui_room(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 3 and parts[:2] == ["desktop", "gui"] else None


def gui_room_violations(modules: dict[str, Path]) -> list[str]:
    """Imports from one feature room of desktop/gui into another (the window and app.py may)."""
    rooms = {_gui_room(name) for name in modules} - {None}
    wrong: list[str] = []
    for name, path in modules.items():
        room = _gui_room(name)
        if room is None or room in GUI_WIRING_ROOMS:
            continue
        for imported in _imports(path, top_level_only=False):
            other = _gui_room(imported) if imported.count(".") >= 3 else None
            if other is None and imported.startswith("desktop.gui.") and imported.split(".")[2] in rooms:
                other = imported.split(".")[2]  # ``from desktop.gui.jobs import x``
            if other in (None, room) or other in GUI_SHARED_ROOMS:
                continue
            line = f"{name} imports {'.'.join(imported.split('.')[:4])}"
            if line not in wrong:
                wrong.append(line)
    return wrong


def test_gui_feature_rooms_import_only_their_own_room() -> None:
    wrong = gui_room_violations(_modules())
    assert not wrong, "gui rooms meet only in gui/window:\n" + "\n".join(wrong)


def test_the_gui_room_rule_can_fail(tmp_path: Path) -> None:
    jobs = tmp_path / "queue_row.py"
    jobs.write_text("from desktop.gui.common.theme import support_colours\nfrom desktop.gui.models.model_picker import X\n")
    wrong = gui_room_violations({"desktop.gui.jobs.queue_row": jobs})
    assert wrong == ["desktop.gui.jobs.queue_row imports desktop.gui.models.model_picker"]
