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


#: An instructed task with fixed answers whose instruction names a label the app classifies
#: (urgency); its answers are words the shipped urgency prompt never offers, so a label of
#: "high" or "low" can only come from the adapter's own task.
URGENCY_INSTRUCTION = "How urgent is this for its reader? Answer high or low."


def urgency_pairs(corpus: Path, n: int = 12, start: int = 80) -> list[dict[str, str]]:
    """``n`` instructed rows: "high" when the dialogue opens with a question, else "low"."""
    rows = toy_pairs(corpus, n=n, start=start)
    return [{"id": f"u-{r['id']}", "instruction": URGENCY_INSTRUCTION, "document": r["document"],
             "answer": "high" if "?" in r["summary"] else "low"} for r in rows]
