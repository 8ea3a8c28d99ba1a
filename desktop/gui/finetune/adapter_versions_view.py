"""The versions of one kept adapter, each with its evaluation card: switch back to any of them,
or continue training the adapter into its next version."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import PrecisError
from desktop.ml.finetune.card import EvaluationCard
from desktop.ml.models.adapter_versions import AdapterVersion, list_versions, switch_version
from desktop.ml.models.store import ModelStore

COLUMNS = ("Version", "Made", "Your pairs (ROUGE-L)", "Earlier pairs (ROUGE-L)", "Other skills (ROUGE-L)", "")


def _arrow(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    b, a = (before or {}).get("rougeL"), (after or {}).get("rougeL")
    return "" if b is None or a is None else f"{b:.3f} → {a:.3f}"


class AdapterVersionsView(QWidget):
    """``show_adapter(name)``; ``use(version)`` makes a version the one in use; ``continue_requested(name)``."""

    continue_requested = Signal(str)
    #: the adapter's active version changed (its name): cached outputs and the picker follow it
    version_changed = Signal(str)

    def __init__(self, store: ModelStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adapterVersions")
        self.store = store
        self.name: str | None = None
        self.versions: list[AdapterVersion] = []
        self.title = QLabel()
        self.tree = QTreeWidget()
        self.tree.setObjectName("versionList")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(lambda *_: self._show_card())
        self.card = QTextBrowser()
        self.card.setObjectName("versionCard")
        self.card.setMinimumHeight(140)
        self.use_button = QPushButton("Use this version")
        self.use_button.setObjectName("useVersion")
        self.use_button.setToolTip("Summaries with this adapter then use the selected version; the others stay listed")
        self.use_button.clicked.connect(lambda: self.use(self.selected_version()))
        self.continue_button = QPushButton("Continue training…")
        self.continue_button.setObjectName("continueTraining")
        self.continue_button.setToolTip("Train the next version on new pairs, starting from the version in use")
        self.continue_button.clicked.connect(lambda: self.name and self.continue_requested.emit(self.name))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.use_button)
        actions.addWidget(self.continue_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.card, 2)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        self.show_adapter(None)

    def show_adapter(self, name: str | None) -> None:
        self.name = name
        self.tree.clear()
        self.versions = list_versions(self.store.root / "adapters", name) if name else []
        self.title.setText(f"<b>Versions of {html.escape(name)}</b>" if name else "Select an adapter to see its versions.")
        for v in self.versions:
            card = v.manifest.card
            earlier = _arrow(card.get("earlier_previous"), card.get("earlier_after")) if card.get("earlier_items") else ""
            item = QTreeWidgetItem([str(v.version), v.manifest.created_at[:16].replace("T", " "),
                                    _arrow(card.get("val_before"), card.get("val_after")), earlier,
                                    _arrow(card.get("replay_before"), card.get("replay_after")),
                                    "in use" if v.active else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, v.version)
            self.tree.addTopLevelItem(item)
            if v.active:
                self.tree.setCurrentItem(item)
        self.continue_button.setEnabled(bool(self.versions))
        self._show_card()

    def selected_version(self) -> int | None:
        item = self.tree.currentItem()
        return None if item is None else int(item.data(0, Qt.ItemDataRole.UserRole))

    def use(self, version: int | None) -> bool:
        if self.name is None or version is None:
            return False
        try:
            switch_version(self.store.root / "adapters", self.name, version)
        except (PrecisError, OSError) as exc:
            self._say(getattr(exc, "message", str(exc)), error=True)
            return False
        self._say(f"{self.name} now uses version {version}.")
        self.show_adapter(self.name)
        self.version_changed.emit(self.name)
        return True

    def card_text(self) -> str:
        return self.card.toPlainText()

    def _show_card(self) -> None:
        number = self.selected_version()
        chosen = next((v for v in self.versions if v.version == number), None)
        self.use_button.setEnabled(chosen is not None and not chosen.active)
        if chosen is None or not chosen.manifest.card:
            self.card.setPlainText("" if chosen is None else "This version has no evaluation card.")
            return
        text = EvaluationCard.from_dict(chosen.manifest.card).table()
        self.card.setHtml(f"<pre>{html.escape(text)}</pre>")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: palette(bright-text);" if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))
