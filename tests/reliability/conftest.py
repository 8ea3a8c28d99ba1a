"""Reliability suite set-up: the long-form switch and the figures each test reports.

``PRECIS_FUZZ_LONG=1`` (or ``make fuzz-long`` / ``make soak-long``, which also select the
``slow`` tests) multiplies the fuzz case counts and the soak's document counts. Every test
records its figures (cases tried, time and memory peaks, RSS samples) with ``figures(...)``;
they are printed in a "reliability figures" section at the end of the run and, when
``PRECIS_RELIABILITY_REPORT`` names a file, appended to it as JSON lines.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

LONG = os.environ.get("PRECIS_FUZZ_LONG", "") not in ("", "0")


@pytest.fixture
def tiny(tiny_model_dir: Path) -> str:
    """The tiny random T5 imported into this test's model store, as "tiny"."""
    from desktop.ml.models.store import ModelStore

    ModelStore().import_folder(tiny_model_dir, "tiny")
    return "tiny"


@pytest.fixture
def figures(record_property: Callable[[str, object], None], request: pytest.FixtureRequest) -> Callable[..., None]:
    """``figures("fuzz corpus", cases=1972, ...)``: keep a line for the summary (and the report)."""

    def record(label: str, **values: object) -> None:
        record_property("reliability", json.dumps({"test": request.node.name, "label": label, **values}))

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines: list[str] = []
    for reports in terminalreporter.stats.values():
        for rep in reports:
            if getattr(rep, "when", None) != "call":
                continue
            lines += [value for key, value in getattr(rep, "user_properties", ()) if key == "reliability"]
    if not lines:
        return
    terminalreporter.section("reliability figures")
    for line in lines:
        data = json.loads(line)
        label = data.pop("label")
        data.pop("test", None)
        terminalreporter.write_line(f"{label}: " + ", ".join(f"{k}={v}" for k, v in data.items()))
    target = os.environ.get("PRECIS_RELIABILITY_REPORT")
    if target:
        with Path(target).open("a", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in lines)
