"""The cases ``faithfulness.py`` measures: reference summary sentences, and copies with one fact changed.

From each reference pair of the shared corpus (``references/*.jsonl``: DialogSum's three human
summaries per dialogue, QMSum's whole-meeting summaries), every summary sentence is a case as it
is ("unchanged": a check that flags it is wrong), and for each kind of fact it holds, one copy
with that fact changed, the way SummaC and FactCC corrupt claims:

* number: a number or amount gets another value, one the document never states;
* date: a date, month, weekday or time of day gets another one the document never states;
* name: a person's name is replaced by one that appears nowhere in the document;
* negation: a "not" is added to a sentence without one, or removed from one that has it.

Deterministic: the same corpus gives the same cases on every run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from desktop.core.document import Document
from desktop.core.prompting.sentences import split_sentences
from desktop.ml.check.dates import MONTHS, WEEKDAYS
from desktop.ml.check.facts import Fact, facts_of
from desktop.ml.check.negation import negations
from desktop.ml.engine.evaluate import Pair, pair_document

#: Names that replace a person's name; the first one absent from the document is used.
NEW_NAMES = ("Priya", "Tomasz", "Ingrid", "Kwame", "Olga", "Rafael", "Mei", "Anders", "Leila", "Dmitri", "Zanele")
_AUX = re.compile(r"\b(is|are|was|were|will|would|can|could|should|has|have|had|must|might|does|did|do)\b(?! not)")
_VERB_S = re.compile(r"^((?:#?\w+#?\s){1,3})(\w+?)(es|s)\b")
_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten",
          11: "eleven", 12: "twelve", 15: "fifteen", 20: "twenty", 30: "thirty"}


@dataclass(frozen=True, slots=True)
class Case:
    pair: str
    kind: str  # "unchanged", "number", "date", "name", "negation"
    original: str
    claim: str


def load_pairs(folder: Path) -> list[tuple[str, Document, list[str]]]:
    """(id, document, summary sentences) of every reference pair; DialogSum's three summaries all count."""
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            summaries = [rec["summary"]] + [s for s in rec.get("all_summaries", []) if s != rec["summary"]]
            doc = pair_document(Pair(rec["id"], rec["document"], rec["summary"]), path)
            sentences = list(dict.fromkeys(s for text in summaries for s in split_sentences(text)))
            out.append((rec["id"], doc, sentences))
    return out


def cases_for(pair_id: str, doc: Document, sentences: list[str]) -> list[Case]:
    text = doc.text()
    doc_facts = {f.key for f in facts_of(text)}
    lower = text.lower()
    out: list[Case] = []
    for s in sentences:
        out.append(Case(pair_id, "unchanged", s, s))
        facts = facts_of(s)
        for kind, change in (("number", _number), ("date", _date), ("name", _name)):
            fact = next((f for f in facts if _kind(f) == kind), None)
            if fact is None:
                continue
            new = change(fact, doc_facts, lower)
            if new is not None:
                out.append(Case(pair_id, kind, s, s[:fact.start] + new + s[fact.end:]))
        flipped = _negate(s)
        if flipped is not None and flipped != s:
            out.append(Case(pair_id, "negation", s, flipped))
    return out


def _kind(f: Fact) -> str:
    if f.kind == "number":
        return "number" if f.key[0] == "num" else ""
    return f.kind


def _number(fact: Fact, doc_facts: set[tuple], lower: str) -> str | None:
    value = fact.key[1]
    for new in (value + 1, value + 2, value * 2, value + 10, value + 7, value * 3):
        if any(k[0] == "num" and abs(k[1] - new) < 1e-9 for k in doc_facts):
            continue
        if re.fullmatch(r"[A-Za-z -]+", fact.text.split(" percent")[0]) and int(new) in _WORDS and new == int(new):
            word = _WORDS[int(new)]
            return word.capitalize() + fact.text[len(fact.text.split()[0]):] if fact.text[0].isupper() else \
                word + fact.text[len(fact.text.split()[0]):]
        digits = re.search(r"\d[\d,]*(?:\.\d+)?", fact.text)
        if digits is None:
            return None
        shown = f"{new:,.0f}" if "," in digits.group(0) else (f"{new:g}" if new != int(new) else str(int(new)))
        return fact.text[:digits.start()] + shown + fact.text[digits.end():]
    return None


def _date(fact: Fact, doc_facts: set[tuple], lower: str) -> str | None:
    key = fact.key
    if key[0] == "weekday":
        for i in range(1, 7):
            day = WEEKDAYS[(key[1] + i) % 7]
            if day not in lower:
                return day.capitalize()
    if key[0] in ("month", "date"):
        for i in range(1, 12):
            month = MONTHS[(key[1] + i - 1) % 12].capitalize()
            if month.lower() not in lower:
                return month if key[0] == "month" else f"{key[2]} {month}"
    if key[0] == "time":
        hours, minutes = divmod((key[1] + 60) % 1440, 60)
        return f"{hours % 12 or 12}:{minutes:02d} {'pm' if hours >= 12 else 'am'}"
    if key[0] == "year":
        return str(key[1] + 1)
    return None


def _name(fact: Fact, doc_facts: set[tuple], lower: str) -> str | None:
    return next((n for n in NEW_NAMES if n.lower() not in lower), None)


def _negate(s: str) -> str | None:
    """Remove the first negation, or add one after the first auxiliary verb (else "does not")."""
    if negations(s):
        for pattern, repl in ((r"\bcan['’]t\b", "can"), (r"\bcannot\b", "can"), (r"\bwon['’]t\b", "will"),
                              (r"n['’]t\b", ""), (r"\bnot\s+", ""), (r"\bnever\s+", "")):
            new, n = re.subn(pattern, repl, s, count=1, flags=re.IGNORECASE)
            if n:
                return " ".join(new.split())
        return None
    m = _AUX.search(s)
    if m:
        return s[:m.end()] + " not" + s[m.end():]
    v = _VERB_S.match(s)
    if v:
        return f"{v.group(1)}does not {v.group(2)}{'e' if v.group(3) == 'es' and v.group(2).endswith(('s', 'ch', 'sh', 'x', 'o')) is False else ''}" + s[v.end():]
    return None
