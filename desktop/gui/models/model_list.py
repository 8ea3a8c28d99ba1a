"""The model manager's list: the catalog's summarizers (FLAN-T5) and, apart from them, its
transcribers for recordings (Whisper), with sizes, status and licence; imported models with their
self-check (``self_check_text``; a transcriber has none to show), models found in the Hugging Face
cache (used where they are), and fine-tuned adapters, in groups; which row is selected."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from desktop.gui.common.theme import support_colours
from desktop.gui.models.self_check_text import self_check_text
from desktop.ml.models.catalog import Catalog, CatalogEntry
from desktop.ml.models.hf_cache import FoundModel
from desktop.ml.models.manifest import ModelManifest, human_bytes
from desktop.ml.models.store import ModelStore
from desktop.ml.worker import built_versions

CATALOG, IMPORTED, FOUND, ADAPTER = "catalog", "imported", "found", "adapter"
#: What a model in the Hugging Face cache is called in the list (and the model picker's tooltip).
FOUND_TEXT = "found on this computer"
_KIND = Qt.ItemDataRole.UserRole
_NAME = Qt.ItemDataRole.UserRole + 1
ROW_HEIGHT = 26
COLUMNS = ("Model", "Parameters", "Download", "Status", "Self-check", "Licence", "Description")
SELF_CHECK = COLUMNS.index("Self-check")
LICENCE = COLUMNS.index("Licence")
SUMMARIZERS = "Summarizers (FLAN-T5)"
TRANSCRIBERS = "Transcribers for recordings (Whisper)"
#: A transcriber's self-check column, and why.
NOT_APPLICABLE = "—"
NOT_APPLICABLE_TIP = ("Not applicable: the self-check compares a summarizer's answers to fixed prompts. A Whisper "
                      "model writes no such text; its folder (CTranslate2 weights, vocabulary, mel filters) is checked "
                      "when it is downloaded or imported, and a damaged one is refused when a recording is read.")


def format_parameters(n: int) -> str:
    if n >= 1_000_000_000:
        return f"{n / 1e9:.1f} B"
    if n >= 1_000_000:
        return f"{n / 1e6:.0f} M"
    return f"{n:,}"


class ModelList(QTreeWidget):
    """``fill(catalog, store)``; rows carry their kind (``CATALOG``, ``IMPORTED``, ``FOUND``,
    ``ADAPTER``) and name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog: Catalog | None = None
        self.store: ModelStore | None = None
        #: The models in the Hugging Face cache at the last ``fill``, by the name they are used under.
        self.found: dict[str, FoundModel] = {}
        #: The names of the transcribers (Whisper) listed at the last ``fill``.
        self.transcribers: set[str] = set()
        self.setObjectName("modelList")
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setStretchLastSection(True)
        for col in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

    def fill(self, catalog: Catalog | None, store: ModelStore) -> None:
        """List the catalog and what ``store`` holds now, keeping the selection."""
        self.catalog, self.store = catalog, store
        selected = self.selected()
        self.clear()
        installed = {m.name: m for m in store.installed()}
        # A model in the store wins over the same one in the cache, as when a job resolves its name.
        self.found = {f.name: f for f in store.found_models() if f.name not in installed}
        entries = list(self.catalog or [])
        names = {e.name for e in entries}
        imported = [m for n, m in installed.items() if n not in names]
        self.transcribers = ({e.name for e in entries if e.kind == "transcriber"}
                             | {m.name for m in installed.values() if m.kind == "transcriber"})
        groups: list[tuple[str, list[QTreeWidgetItem]]] = [
            (SUMMARIZERS, [self._catalog_item(e, installed.get(e.name)) for e in entries if e.kind != "transcriber"]),
            (TRANSCRIBERS, [self._catalog_item(e, installed.get(e.name)) for e in entries if e.kind == "transcriber"]
             + [self._imported_item(m) for m in imported if m.kind == "transcriber"]),
        ]
        groups.append(("Imported models", [self._imported_item(m) for m in imported if m.kind != "transcriber"]))
        groups.append(("Found on this computer (Hugging Face cache, used where they are)",
                       [self._found_item(f) for n, f in self.found.items() if n not in names]))
        groups.append(("Fine-tuned adapters", [self._adapter_item(a) for a in store.list_adapters()]))
        for title, items in groups:
            if not items:
                continue
            head = QTreeWidgetItem([title])
            head.setSizeHint(0, QSize(self.fontMetrics().horizontalAdvance(title) + 16, ROW_HEIGHT))
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            self.addTopLevelItem(head)
            head.setFirstColumnSpanned(True)
            for item in items:
                self.addTopLevelItem(item)
        if selected is not None:
            self.select(*selected)

    def _item(self, kind: str, name: str, values: list[str]) -> QTreeWidgetItem:
        item = QTreeWidgetItem(values)
        item.setData(0, _KIND, kind)
        item.setData(0, _NAME, name)
        item.setToolTip(len(COLUMNS) - 1, values[-1])
        item.setSizeHint(0, QSize(self.fontMetrics().horizontalAdvance(values[0]) + 16, ROW_HEIGHT))
        for col in (1, 2):
            item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _catalog_item(self, entry: CatalogEntry, model: Any) -> QTreeWidgetItem:
        defaults = (self.catalog.default_name, self.catalog.default_transcriber) if self.catalog is not None else ()
        default = " (default)" if entry.name in defaults else ""
        check, tip = self._self_check(model, entry.kind)
        item = self._item(CATALOG, entry.name, [
            entry.name + default, format_parameters(entry.parameters), human_bytes(entry.download_bytes),
            self.status_text(entry.name, model, entry), check, entry.license, entry.description,
        ])
        self._colour_check(item, tip)
        found = self.found.get(entry.name) if model is None else None
        if found is not None:
            item.setToolTip(COLUMNS.index("Status"), self.found_tip(found))
        return item

    def _imported_item(self, model: Any) -> QTreeWidgetItem:
        origin = "imported" if model.source == "import" else model.source
        check, tip = self._self_check(model, model.kind)
        what = "Whisper model for recordings" if model.kind == "transcriber" else "model"
        item = self._item(IMPORTED, model.name, [
            model.name, "", human_bytes(model.size_bytes), self.status_text(model.name, model), check, "",
            f"{origin} {what}",
        ])
        self._colour_check(item, tip)
        return item

    def _found_item(self, found: FoundModel) -> QTreeWidgetItem:
        """A T5 model another program put in the Hugging Face cache, not in the catalog."""
        item = self._item(FOUND, found.name, [
            found.name, format_parameters(found.parameters), human_bytes(found.size_bytes),
            self.status_text(found.name, None), "", "", f"Hugging Face cache, revision {found.revision[:12]}",
        ])
        item.setToolTip(0, self.found_tip(found))
        item.setToolTip(COLUMNS.index("Status"), self.found_tip(found))
        return item

    @staticmethod
    def found_tip(found: FoundModel) -> str:
        return (f"{found.hub_id} at revision {found.revision[:12]}, in the Hugging Face cache ({found.path}). "
                "Precis uses it there: nothing is downloaded or copied, and the cache is never changed.")

    def _adapter_item(self, adapter: Any) -> QTreeWidgetItem:
        return self._item(ADAPTER, adapter.name, [
            adapter.name, "", human_bytes(adapter.size_bytes), f"adapter on {adapter.base_model}", "", "",
            f"fine-tuned {adapter.created_at[:10]}" if adapter.created_at else "fine-tuned adapter",
        ])

    def _colour_check(self, item: QTreeWidgetItem, tip: str) -> None:
        """The self-check's tooltip, and its text in the theme's checked green or flagged amber."""
        item.setToolTip(SELF_CHECK, tip)
        checked, flagged, _ = support_colours(self.palette())
        mark = item.text(SELF_CHECK)[:1]
        if mark in ("✓", "⚠"):
            item.setForeground(SELF_CHECK, checked if mark == "✓" else flagged)

    @staticmethod
    def _self_check(model: Any, kind: str = "summarizer") -> tuple[str, str]:
        """An installed model's self-check from its manifest (column text, tooltip); "" when not
        installed; "—" for a transcriber, which has none (an installed one's manifest says why)."""
        if model is None:
            return (NOT_APPLICABLE, NOT_APPLICABLE_TIP) if kind == "transcriber" else ("", "")
        manifest = ModelManifest.read(model.path)
        text, tip = self_check_text(manifest.self_check if manifest is not None else None)
        if kind != "transcriber":
            return text, tip
        return NOT_APPLICABLE, tip if text == "does not apply" else NOT_APPLICABLE_TIP

    def status_text(self, name: str, model: Any, entry: CatalogEntry | None = None) -> str:
        """"installed · quantized version built", "partly downloaded (120 MB of 990 MB)", ..."""
        assert self.store is not None, "fill() first"
        found = self.found.get(name) if model is None else None
        if found is not None:
            built = built_versions(self.store, found.name, found.revision)
            return FOUND_TEXT + (f" · quantized version built ({', '.join(built)})" if built else "")
        if model is None:
            partial = self.store.partial_bytes(name)
            if partial and entry is not None:
                return f"partly downloaded ({human_bytes(partial)} of {human_bytes(entry.download_bytes)})"
            return "partly downloaded" if partial else "not installed"
        built = built_versions(self.store, model.name, model.revision)
        if built:
            return f"installed · quantized version built ({', '.join(built)})"
        return "installed"

    def selected(self) -> tuple[str, str] | None:
        item = self.currentItem()
        if item is None or item.data(0, _KIND) is None:
            return None
        return item.data(0, _KIND), item.data(0, _NAME)

    def _rows(self) -> list[QTreeWidgetItem]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [item for item in items if item is not None and item.data(0, _KIND) is not None]

    def select(self, kind: str, name: str) -> bool:
        for item in self._rows():
            if item.data(0, _KIND) == kind and item.data(0, _NAME) == name:
                self.setCurrentItem(item)
                return True
        return False

    def row_status(self, name: str, column: int = 3) -> str | None:
        """The Status column (or another) of the row for ``name`` (None when there is no such row)."""
        for item in self._rows():
            if item.data(0, _NAME) == name:
                return item.text(column)
        return None

    def found_model(self, name: str) -> FoundModel | None:
        """The model in the Hugging Face cache a row (catalog or found) stands for, if any."""
        return self.found.get(name)

    def row_tooltip(self, name: str, column: int = SELF_CHECK) -> str | None:
        for item in self._rows():
            if item.data(0, _NAME) == name:
                return item.toolTip(column)
        return None
