"""The core, the engine and the CLI import with Qt blocked: the GUI is a face on them, never a part."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6"):
                raise ImportError(f"Qt is blocked in the core: {name}")
            return None

    sys.meta_path.insert(0, BlockQt())
    imported = []
    for package in ("desktop.core", "desktop.ml", "desktop.cli", "desktop.integration"):
        pkg = importlib.import_module(package)
        imported.append(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            importlib.import_module(info.name)
            imported.append(info.name)
    from desktop.cli import build_parser
    build_parser()  # every subcommand registers without Qt
    assert not any(m.split(".")[0] in ("PySide6", "shiboken6") for m in sys.modules)
    try:  # the blocker works: the GUI itself cannot be imported
        importlib.import_module("desktop.gui.app")
    except ImportError:
        pass
    else:
        raise SystemExit("Qt was not blocked")
    print(len(imported))
    print("\\n".join(imported))
    """
)


def test_core_ml_and_cli_import_without_qt() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], check=False, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    lines = proc.stdout.splitlines()
    modules = set(lines[1:])
    assert int(lines[0]) == len(modules)
    for expected in ("desktop.core.prompting.chunking", "desktop.core.ingest.pdf", "desktop.ml.engine.summarizer", "desktop.ml.worker",
                     "desktop.ml.backends.torch_backend", "desktop.cli.summarize_cmd", "desktop.cli.eval_cmd"):
        assert expected in modules
