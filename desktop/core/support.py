"""Whether a point is supported by the passage it cites: the check stage's verdict, as plain data.

The check (``desktop/ml/check/``) compares the facts of a point (numbers, dates, names, a "not")
with the sentences it cites and, with a model, asks FLAN-T5 whether the passage entails it. Its
verdict travels with the point (``Point.support``) so every renderer, export and the GUI can
show it without knowing how it was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHECKED = "checked"
FLAGGED = "flagged"
#: What a job does with a flagged point: show it flagged, leave it out, or write it again once
#: from its chunk and check again (the setting ``unsupported``, ``--unsupported``).
UNSUPPORTED = ("flag", "drop", "retry")
#: Kinds of problem, in the order a reader is told about them.
KINDS = ("number", "date", "name", "negation", "entailment")


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a point is not supported.

    ``words`` are the point's own words ("4 December"); ``source_words`` what the cited passage
    says instead, when it says something of the same kind ("3 December"), so the source view can
    highlight the mismatch; ``reason`` is the sentence a reader sees.
    """

    kind: str
    words: str
    reason: str
    source_words: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "words": self.words, "reason": self.reason}
        if self.source_words:
            out["source_words"] = self.source_words
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Problem:
        return cls(str(d.get("kind", "")), str(d.get("words", "")), str(d.get("reason", "")), str(d.get("source_words", "")))


@dataclass(frozen=True, slots=True)
class Support:
    """``status`` is "checked" (every fact found, and the model, if asked, agreed) or "flagged".

    ``entailment`` is the model's probability that the cited passage entails the point (None when
    no model took part); ``layers`` names the checks that ran ("facts", "entailment");
    ``regenerated`` says the point was written again once because its first version was flagged.
    """

    status: str
    problems: tuple[Problem, ...] = ()
    entailment: float | None = None
    layers: tuple[str, ...] = ("facts",)
    regenerated: bool = False

    @property
    def flagged(self) -> bool:
        return self.status == FLAGGED

    def reason(self) -> str:
        """All problems in one line, the way a reader is told ("the source says 3 December, not 4 December")."""
        return "; ".join(p.reason for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "problems": [p.to_dict() for p in self.problems],
                               "layers": list(self.layers)}
        if self.entailment is not None:
            out["entailment"] = round(self.entailment, 4)
        if self.regenerated:
            out["regenerated"] = True
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Support:
        entailment = d.get("entailment")
        return cls(
            status=str(d.get("status", CHECKED)),
            problems=tuple(Problem.from_dict(p) for p in d.get("problems", []) if isinstance(p, dict)),
            entailment=float(entailment) if isinstance(entailment, (int, float)) else None,
            layers=tuple(str(x) for x in d.get("layers", ("facts",))),
            regenerated=bool(d.get("regenerated", False)),
        )


@dataclass(slots=True)
class SupportCounts:
    """The digest-level tally the header shows: points checked, flagged, and what the setting did."""

    checked: int = 0
    flagged: int = 0
    #: Flagged points left out (setting "drop") and points written again (setting "retry").
    dropped: int = 0
    regenerated: int = 0
    #: "flag", "drop" or "retry"; whether the model's entailment layer ran.
    mode: str = "flag"
    entailment: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "flagged": self.flagged, "dropped": self.dropped,
                "regenerated": self.regenerated, "mode": self.mode, "entailment": self.entailment, **self.extra}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SupportCounts:
        known = {"checked", "flagged", "dropped", "regenerated", "mode", "entailment"}
        return cls(int(d.get("checked", 0)), int(d.get("flagged", 0)), int(d.get("dropped", 0)),
                   int(d.get("regenerated", 0)), str(d.get("mode", "flag")), bool(d.get("entailment", False)),
                   {k: v for k, v in d.items() if k not in known})

    def header(self) -> str:
        """The digest header's line: "Points checked with their sources (facts): 12 of 14 supported, 2 flagged."."""
        total = self.checked + self.flagged
        how = "facts and the model's reading" if self.entailment else "facts"
        line = (f"Points checked with their sources ({how}): {self.checked} of {total} "
                f"supported, {self.flagged} flagged")
        if self.dropped:
            line += f", {self.dropped} flagged point{'s' if self.dropped != 1 else ''} left out"
        if self.regenerated:
            line += f", {self.regenerated} written again"
        return line + "."
