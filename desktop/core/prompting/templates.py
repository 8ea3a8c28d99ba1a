"""Digest templates: which sections a digest has, in what order, under what titles, each with the
instruction the model is given for it and its length. Shipped ones live in
``resources/templates/`` (brief, minutes, actions, rollup, standard); a user's own go in the data
folder's ``templates/`` (same name: the user's wins) or anywhere, picked by path.

A template is an overlay on the prompt library (``prompts.py``): a section's instruction replaces
the instruction of the prompts that make that section, under a template id that carries the
template's name and version, so the cache never serves an answer made for another template.
A bad template file is one sentence that names the file and the line.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import TemplateError
from desktop.core.prompting.prompts import PromptLibrary

#: Section id -> (what it is, what its length counts).
SECTIONS = {
    "overview": ("the overview paragraph", "words"),
    "points": ("the key points", "points"),
    "decisions": ("decisions", "items"),
    "action_items": ("action items", "items"),
    "asks": ("what is asked of the reader", "items"),
    "deadlines": ("deadlines", "items"),
    "documents": ("each document's own summary", "words"),
}
ITEM_SECTIONS = ("decisions", "action_items", "asks", "deadlines")
#: A roll-up template's sections (``kind = "rollup"``): made from digests, without a model.
ROLLUP_SECTIONS = {
    "decisions": ("decisions", "items"),
    "i_owe": ("what I owe", "items"),
    "owed_to_me": ("what I am owed", "items"),
    "deadlines": ("deadlines in date order", "items"),
}
#: Which prompts a section's instruction replaces, and how the instruction is framed.
_STAGES = {
    "overview": (("final", "collection"), "{instruction}\n\n{{text}}\n\nSummary:"),
    "points": (("map",), "{instruction}\n\n{{text}}\n\nSummary:"),
    "decisions": (("decision_item",), "{{text}}\n\n{instruction}\n\n{{options_}}"),
    "action_items": (("action_item",), "{{text}}\n\n{instruction}\n\n{{options_}}"),
    "asks": (("ask_item",), "{{text}}\n\n{instruction}\n\n{{options_}}"),
    "deadlines": (("deadline_item",), "{{text}}\n\n{instruction}\n\n{{options_}}"),
}
_KINDS = ("meeting", "email", "report", "generic", "common")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    instruction: str = ""
    #: Words (overview, documents), points or items; 0 = the length preset's own.
    length: int = 0


@dataclass(frozen=True, slots=True)
class DigestTemplate:
    name: str
    version: int
    title: str
    description: str
    sections: tuple[Section, ...]
    path: Path | None = None
    #: "digest" (a job's digest) or "rollup" (``precis-cli rollup``).
    kind: str = "digest"
    #: sha256 of the file: an edit without a new version still changes the cache and settings keys.
    digest: str = ""
    builtin: bool = field(default=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}" + (f"#{self.digest[:12]}" if self.digest else "")

    def section(self, sid: str) -> Section | None:
        return next((s for s in self.sections if s.id == sid), None)

    def item_sections(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections if s.id in ITEM_SECTIONS)

    def overlay(self, library: PromptLibrary) -> PromptLibrary:
        """The prompt library with this template's instructions in place of the shipped ones."""
        out = PromptLibrary(dict(library.templates))
        for s in self.sections:
            if not s.instruction or s.id not in _STAGES:
                continue
            stages, frame = _STAGES[s.id]
            text = frame.format(instruction=s.instruction.strip())
            for kind in _KINDS:
                for stage in stages:
                    base = library.templates.get((kind, stage))
                    if base is not None:
                        out.templates[(kind, stage)] = replace(base, kind=f"{self.id}/{kind}", template=text)
        return out


def template_dirs() -> list[Path]:
    """Where templates are looked up by name: the user's folder first, then the shipped ones."""
    return [paths.data_dir() / "templates", paths.resource("templates")]


def list_templates() -> list[DigestTemplate]:
    """Every template by name (a user's file hides a shipped one of the same name); bad files are
    skipped here (``load_template`` says what is wrong with one)."""
    seen: dict[str, DigestTemplate] = {}
    for folder in template_dirs():
        for f in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            if f.stem in seen:
                continue
            try:
                seen[f.stem] = parse_template(f, builtin=folder == paths.resource("templates"))
            except TemplateError:
                continue
    return sorted(seen.values(), key=lambda t: t.name)


def load_template(name_or_file: str) -> DigestTemplate:
    """A template by name (``minutes``) or by file path."""
    value = name_or_file.strip()
    p = Path(value).expanduser()
    if p.suffix == ".toml" or "/" in value or "\\" in value:
        if not p.is_file():
            raise TemplateError(f"The template file {value} does not exist.")
        return parse_template(p)
    for folder in template_dirs():
        f = folder / f"{value}.toml"
        if f.is_file():
            return parse_template(f, builtin=folder == paths.resource("templates"))
    names = ", ".join(t.name for t in list_templates())
    raise TemplateError(f"There is no template called “{value}”; there are: {names}.")


def parse_template(path: Path, *, builtin: bool = False) -> DigestTemplate:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise TemplateError(f"The template {path} cannot be read: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise TemplateError(f"The template {path} is not UTF-8 text (byte {exc.start}).") from exc
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = f"line {where.group(1)}" if where else "somewhere"
        raise TemplateError(f"The template {path.name}, {line}: {str(exc).split(' (at')[0].rstrip('.')} (TOML syntax).") from exc

    def fail(key: str, value: object, why: str, last: bool = False) -> TemplateError:
        return TemplateError(f"The template {path.name}, line {_line_of(text, key, value, last)}: {why}")

    name = str(data.get("name") or path.stem).strip().lower()
    kind = data.get("kind", "digest")
    if kind not in ("digest", "rollup"):
        return _raise(fail("kind", kind, f"kind “{kind}” must be digest or rollup."))
    allowed = SECTIONS if kind == "digest" else ROLLUP_SECTIONS
    if not _NAME.match(name):
        return _raise(fail("name", data.get("name"), f"the name “{name}” must be lower-case letters, digits, - or _."))
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return _raise(fail("version", version, "version must be a whole number from 1 (bump it when you change the template)."))
    raw_sections = data.get("section")
    if not isinstance(raw_sections, list) or not raw_sections:
        return _raise(TemplateError(f"The template {path.name}, line 1: it names no sections (add [[section]] tables with an id)."))
    sections: list[Section] = []
    for spec in raw_sections:
        sid = spec.get("id")
        if sid not in allowed:
            known = ", ".join(allowed)
            return _raise(fail("id", sid, f"“{sid}” is not a section Precis makes; use one of {known}."))
        if any(s.id == sid for s in sections):
            return _raise(fail("id", sid, f"the section “{sid}” appears twice.", last=True))
        unknown = set(spec) - {"id", "title", "instruction", "length"}
        if unknown:
            key = min(unknown)
            return _raise(fail(key, spec[key], f"“{key}” is not a section setting (id, title, instruction, length)."))
        length = spec.get("length", 0)
        if not isinstance(length, int) or isinstance(length, bool) or not 0 <= length <= 2000:
            return _raise(fail("length", length, f"length must be a number of {allowed[sid][1]} from 0 to 2000."))
        instruction = spec.get("instruction", "")
        if not isinstance(instruction, str) or (instruction and (sid == "documents" or kind == "rollup")):
            why = "instruction must be text." if not isinstance(instruction, str) else (
                f"“{sid}” takes no instruction (it is made without the model).")
            return _raise(fail("instruction", instruction, why))
        if "{" in instruction or "}" in instruction:
            return _raise(fail("instruction", instruction, "an instruction may not contain { or } (the text is added by Precis)."))
        sections.append(Section(sid, str(spec.get("title") or sid.replace("_", " ").capitalize()), instruction, length))
    return DigestTemplate(name, version, str(data.get("title", name.capitalize())), str(data.get("description", "")),
                          tuple(sections), path, kind, hashlib.sha256(raw).hexdigest(), builtin)


def _raise(exc: TemplateError) -> DigestTemplate:
    raise exc


def _line_of(text: str, key: str, value: object, last: bool = False) -> int:
    """The line that sets ``key`` (to ``value`` when several do; ``last``: the last such), for the error sentence."""
    lines = text.splitlines()
    hits = [i for i, ln in enumerate(lines, start=1) if re.match(rf"\s*{re.escape(key)}\s*=", ln)]
    for i in reversed(hits) if last else hits:
        if value is not None and str(value) in lines[i - 1]:
            return i
    return hits[0] if hits else 1
