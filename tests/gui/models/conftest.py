"""The model manager tests' dialog: shown, and its running task ended after the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.gui.models.model_manager import ModelManagerDialog


@pytest.fixture
def dialog(qtbot: QtBot) -> Iterator[ModelManagerDialog]:
    d = ModelManagerDialog()
    qtbot.addWidget(d)
    d.show()
    yield d
    if d.task is not None:
        d.task.kill()
        d.task.wait(10)
