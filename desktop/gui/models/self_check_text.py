"""A model's self-check as the model manager says it: the manifest's record (``ml/models/self_check.py``:
the float32 answers kept on arrival, each conversion's token agreement with them) as a short
column text and a tooltip of whole sentences. Plain functions, without Qt."""

from __future__ import annotations

from typing import Any

from desktop.ml.models.self_check import BOUND, PROMPTS


def _share(value: Any, default: float) -> float:
    """A share from the record (a hand-edited manifest may hold anything there)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _conversion(name: str, entry: dict[str, Any]) -> tuple[str, str, bool]:
    """(short, sentence, passed) for one conversion's record."""
    backend = str(entry.get("backend") or name)
    quantization = str(entry.get("quantization") or "")
    device = str(entry.get("device") or "")
    what = " ".join(x for x in (backend, quantization) if x)
    share = _share(entry.get("agreement"), 0.0)
    passed = bool(entry.get("passed"))
    bound = _share(entry.get("bound"), BOUND)
    prompts = entry.get("prompts", len(PROMPTS))
    short = f"{what} {share:.0%}" + ("" if passed else " refused")
    where = f" on {device.upper() if device == 'cpu' else device}" if device else ""
    sentence = (f"{what}{where}: {share:.0%} of tokens agree with the float32 model on {prompts} fixed prompts; "
                + ("passed." if passed else f"refused (a sound conversion agrees on at least {bound:.0%}), so Precis "
                                            "will not use it."))
    return short, sentence, passed


def self_check_text(record: dict[str, Any] | None) -> tuple[str, str]:
    """("✓ ctranslate2 int8 97%", its tooltip) from a manifest's ``self_check`` entry."""
    record = record or {}
    if record.get("applies") is False:
        why = str(record.get("why") or "it is not a T5 text model")
        return "does not apply", f"The self-check does not apply to this model: {why}."
    conversions = record.get("conversions") or {}
    arrived = bool(record.get("reference"))
    if not arrived and not conversions:
        return ("not run", ("This model arrived before Precis checked arriving models; each conversion is checked "
                           "against the original model's answers when it is first loaded."))
    lines = ([("On arrival the model answered the self-check prompts; every conversion (quantized, ONNX, "
              "CTranslate2, GPU) must answer them like it.")] if arrived else [])
    shorts, refused = [], False
    for name, entry in sorted(conversions.items()):
        if not isinstance(entry, dict):
            continue
        short, sentence, passed = _conversion(name, entry)
        shorts.append(short)
        lines.append(sentence)
        refused = refused or not passed
    if not shorts:
        return "✓ answers kept", "\n".join(lines + ["No conversion has been loaded yet."])
    return f"{'⚠' if refused else '✓'} {', '.join(shorts)}", "\n".join(lines)
