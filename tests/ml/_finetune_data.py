"""Toy fine-tuning data from the shared corpus: DialogSum dialogues whose "summary" is their
first line (speaker and first utterance), a behaviour a tiny random T5 can learn in seconds."""

from __future__ import annotations

import json
from pathlib import Path

DIALOGSUM = Path("references") / "dialogsum_test_pairs.jsonl"


def toy_pairs(corpus: Path, n: int = 24, lines: int = 4, start: int = 0) -> list[dict[str, str]]:
    """``n`` records {"id", "document", "summary"}: the first ``lines`` turns of a dialogue and,
    as its summary, its first line ("#Person1#: Ms. Dawson, I need you to take a dictation for me.")."""
    rows = [json.loads(x) for x in (corpus / DIALOGSUM).read_text(encoding="utf-8").splitlines() if x.strip()]
    out = []
    for row in rows[start : start + n]:
        turns = [t for t in row["document"].splitlines() if t.strip()][:lines]
        out.append({"id": row["id"], "document": "\n".join(turns), "summary": turns[0].strip()})
    return out


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
