"""Instruction prompts, loaded from the versioned TOML templates in ``resources/prompts/``.

Templates are data, not Python strings, so wording can be tuned (and fine-tuning can train on
exactly the prompts inference uses) without touching code. A template's id includes its file's
version, and that id is part of every cache key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from desktop.core import paths
from desktop.core.document import DocKind
from desktop.core.prompting.sentences import TokenCount

#: Which template set serves which kind of document.
KIND_FOR_DOC = {
    DocKind.TRANSCRIPT: "meeting",
    DocKind.EMAIL: "email",
    DocKind.MAILBOX: "email",
    DocKind.PDF: "report",
    DocKind.DOCX: "report",
    DocKind.TEXT: "generic",
    DocKind.IMAGE: "report",
    DocKind.DOCUMENT: "report",
    DocKind.PRESENTATION: "report",
    DocKind.EBOOK: "report",
    DocKind.WEB_PAGE: "generic",
    DocKind.SPREADSHEET: "generic",
}


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str
    template_id: str


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    kind: str
    stage: str
    version: int
    template: str
    options: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.kind}.{self.stage}@{self.version}"

    def render(self, text: str, **fields: str) -> Prompt:
        # ``options_`` is the FLAN collection's own rendering of choices ("OPTIONS:\n- yes\n- no",
        # flan/v2/preprocessors.py format_options), the shape FLAN-T5 was trained to answer.
        values = {"options": ", ".join(self.options), "options_": "OPTIONS:\n- " + "\n- ".join(self.options),
                  **fields, "text": text}
        return Prompt(self.template.format(**values), self.id)

    def overhead(self, count: TokenCount, **fields: str) -> int:
        """Tokens the instruction itself takes, so the chunker knows what is left for text."""
        return count(self.render("", **fields).text)


@dataclass(slots=True)
class PromptLibrary:
    templates: dict[tuple[str, str], PromptTemplate] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | None = None) -> PromptLibrary:
        return _load(str(folder or paths.resource("prompts")))

    def get(self, kind: str, stage: str) -> PromptTemplate:
        """The kind's template for a stage, else the generic one (or the common one)."""
        for key in ((kind, stage), ("generic", stage), ("common", stage)):
            if key in self.templates:
                return self.templates[key]
        raise KeyError(f"no prompt template for stage {stage!r}")

    def has(self, kind: str, stage: str) -> bool:
        return (kind, stage) in self.templates

    def for_doc(self, kind: DocKind, stage: str) -> PromptTemplate:
        return self.get(KIND_FOR_DOC.get(kind, "generic"), stage)

    def version_key(self) -> str:
        return ",".join(sorted(t.id for t in self.templates.values()))


@lru_cache(maxsize=4)
def _load(folder: str) -> PromptLibrary:
    lib = PromptLibrary()
    for path in sorted(Path(folder).glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        version = int(data.get("version", 1))
        for stage, spec in data.items():
            if isinstance(spec, dict) and "template" in spec:
                lib.templates[(path.stem, stage)] = PromptTemplate(
                    kind=path.stem,
                    stage=stage,
                    version=version,
                    template=spec["template"].strip(),
                    options=tuple(spec.get("options", ())),
                )
    if not lib.templates:
        raise FileNotFoundError(f"no prompt templates found in {folder}")
    return lib
