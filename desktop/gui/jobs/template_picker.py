"""The toolbar's template picker: which digest template the next jobs use (the standard digest,
the shipped brief, minutes and actions, the user's own from the data folder's ``templates/``, or
any file). It starts at the default in Settings. A template file with a mistake is listed, and
picking it says the one sentence naming the line instead of using it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget

from desktop.core import paths
from desktop.core.errors import TemplateError
from desktop.core.prompting.templates import DigestTemplate, list_templates, load_template, parse_template
from desktop.gui.common import messages

#: What an entry holds: "template", "problem" (its sentence in PROBLEM) or "file" (choose one).
KIND = Qt.ItemDataRole.UserRole + 11
PROBLEM = Qt.ItemDataRole.UserRole + 12
STANDARD = "Standard digest"


def digest_templates() -> list[DigestTemplate]:
    """The digest templates there are (not roll-up ones), the shipped standard one left out: it is
    what no template gives."""
    return [t for t in list_templates() if t.kind == "digest" and not (t.name == "standard" and t.builtin)]


def template_problems() -> list[tuple[Path, str]]:
    """The user's template files that cannot be used, each with the sentence saying why."""
    folder = paths.data_dir() / "templates"
    out = []
    for f in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            parse_template(f)
        except TemplateError as exc:
            out.append((f, exc.message))
    return out


def usable_template(value: str) -> tuple[str, str]:
    """(``value`` if it names a digest template that loads, else ""; the sentence saying why not)."""
    if not value:
        return "", ""
    try:
        template = load_template(value)
    except TemplateError as exc:
        return "", exc.message
    if template.kind != "digest":
        return "", f"The template “{template.name}” is a {template.kind} template; pick a digest template."
    return value, ""


class TemplatePicker(QComboBox):
    #: The template value the next jobs use ("" the standard digest, a name, or a file).
    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templatePicker")
        self.setToolTip("Which sections the next digest has: the standard digest, or a template "
                        "(yours go in the data folder's templates/)")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._value = ""
        self.activated.connect(self._on_activated)

    def refresh(self, value: str | None = None) -> None:
        """List what there is now, with ``value`` (default: the current one) selected."""
        value = self._value if value is None else value
        self.blockSignals(True)
        self.clear()
        self._add(STANDARD, "", "template", "The digest Precis makes without a template")
        for t in digest_templates():
            label = t.title + ("" if t.builtin else " (yours)")
            self._add(label, t.name, "template", t.description or t.title)
        for path, sentence in template_problems():
            self._add(f"{path.stem} (has a mistake)", str(path), "problem", sentence, sentence)
        self._add("Other Template File…", "", "file", "Use a template file from anywhere")
        self.blockSignals(False)
        if not self.select(value):
            self._value = ""
            self.setCurrentIndex(0)
            problem = usable_template(value)[1]
            if problem:  # said once the window is up to show it
                text = f"{problem} Precis makes the standard digest until the template is fixed."
                QTimer.singleShot(0, self, lambda: messages.warning(text))

    def current(self) -> str:
        return self._value

    def select(self, value: str) -> bool:
        """Make ``value`` (a name or a file) the pick; a file not listed is added once it loads."""
        for i in range(self.count()):
            if self.itemData(i, KIND) == "template" and self.itemData(i) == value:
                self.setCurrentIndex(i)
                self._value = value
                return True
        if value and (Path(value).suffix == ".toml" or "/" in value or "\\" in value):
            return self.use_file(value, quiet=True)
        return False

    def use_file(self, path: str, *, quiet: bool = False) -> bool:
        """Use a template file: listed and picked if it is good, else its sentence is said."""
        usable, problem = usable_template(path)
        if not usable:
            if not quiet:
                messages.error(problem)
            self._restore()
            return False
        template = load_template(path)
        index = self.count() - 1  # before "Other Template File…"
        self.insertItem(index, f"{template.title} ({Path(path).name})", path)
        self.setItemData(index, "template", KIND)
        self.setItemData(index, str(path), Qt.ItemDataRole.ToolTipRole)
        self.setCurrentIndex(index)
        self._value = path
        return True

    def items(self) -> list[tuple[str, str, str]]:
        """(label, value, kind) of every entry, for the Summarize menu's Template list."""
        return [(self.itemText(i), self.itemData(i) or "", self.itemData(i, KIND)) for i in range(self.count())]

    def pick_row(self, row: int) -> None:
        """Pick an entry as the user does (the Summarize menu)."""
        self.setCurrentIndex(row)
        self._on_activated(row)

    def _on_activated(self, index: int) -> None:
        kind = self.itemData(index, KIND)
        if kind == "problem":
            messages.error(self.itemData(index, PROBLEM))
            self._restore()
            return
        if kind == "file":
            path, _ = QFileDialog.getOpenFileName(self, "Template file", str(paths.data_dir() / "templates"),
                                                  "Templates (*.toml)")
            if not path or not self.use_file(path):
                self._restore()
                return
        else:
            self._value = self.itemData(index) or ""
        self.chosen.emit(self._value)

    def _restore(self) -> None:
        self.blockSignals(True)
        for i in range(self.count()):
            if self.itemData(i, KIND) == "template" and (self.itemData(i) or "") == self._value:
                self.setCurrentIndex(i)
                break
        self.blockSignals(False)

    def _add(self, label: str, value: str, kind: str, tip: str, problem: str = "") -> None:
        self.addItem(label, value)
        i = self.count() - 1
        self.setItemData(i, kind, KIND)
        self.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        if problem:
            self.setItemData(i, problem, PROBLEM)
