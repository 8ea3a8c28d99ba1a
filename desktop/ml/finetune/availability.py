"""Whether fine-tuning can run here, answered without importing what it needs (no torch load).

The lean install (``make bundle``) summarizes without torch; fine-tuning trains with torch,
transformers and peft, so there it is not offered and the fine-tune panel says so in one
sentence: ``available()``'s.
"""

from __future__ import annotations

import importlib.util

#: Import names fine-tuning needs: training, the LoRA adapters, and the evaluation card's ROUGE.
REQUIRES = ("torch", "transformers", "peft", "rouge_score")


def missing() -> list[str]:
    return [name for name in REQUIRES if importlib.util.find_spec(name) is None]


def available() -> str | None:
    """None when fine-tuning can run; otherwise the sentence saying what it needs."""
    lacking = missing()
    if not lacking:
        return None
    names = ", ".join(lacking[:-1]) + (" and " if len(lacking) > 1 else "") + lacking[-1]
    return (f"Fine-tuning needs the full version of Precis, which includes {names} (about 1 GB more); this "
            "version summarizes without them but cannot train.")
