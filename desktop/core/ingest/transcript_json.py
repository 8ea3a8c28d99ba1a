"""Read meeting transcripts stored as JSON: QMSum, CouncilDataProject (CDP) and Whisper-style.

All three are a list of utterance objects under one key, differing only in field names:

- QMSum ``{"meeting_transcripts": [{"speaker", "content"}], "topic_list", ...}``. Its
  ``general_query_list``/``specific_query_list`` hold human-written summaries of the meeting;
  they are reference answers, never part of the document, so they are not read.
- CDP ``{"sentences": [{"text", "start_time", "end_time", "speaker_index", "speaker_name"}],
  "session_datetime", ...}`` (https://councildataproject.org/cdp-backend/transcript_model.html).
- Whisper / WhisperX ``{"segments": [{"start", "end", "text", "speaker"?}], "language"}`` and a
  bare list of such objects.
"""

from __future__ import annotations

import json
import math
from typing import Any

from desktop.core.document import Document
from desktop.core.errors import CorruptFile, UnsupportedFormat
from desktop.core.ingest.captions import split_turns
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.cues import Cue, build_transcript, strip_noise_tags
from desktop.core.ingest.encoding import decode_text

_LIST_KEYS = ("meeting_transcripts", "sentences", "segments", "utterances")
_TEXT_KEYS = ("content", "text", "transcript")
_SPEAKER_KEYS = ("speaker", "speaker_name")
_START_KEYS = ("start_time", "start")
_END_KEYS = ("end_time", "end")
_PROBE = 20  # items looked at to recognise the format; reading is linear anyway


def looks_like_transcript(obj: Any) -> bool:
    """Is this parsed JSON one of the transcript shapes above? Cheap: looks at a few items only."""
    items, keyed = _items(obj)
    if items is None:
        return False
    probe = [it for it in items[:_PROBE] if isinstance(it, dict)]
    if not probe:
        return False
    with_text = [it for it in probe if isinstance(_first(it, _TEXT_KEYS), str)]
    if len(with_text) < max(1, len(probe) // 2):
        return False
    if keyed:
        return True
    # A bare list of {"text": ...} could be any data; require a speaker or a time as well.
    return any(_first(it, _SPEAKER_KEYS) is not None or _number(_first(it, _START_KEYS)) is not None
               for it in with_text)


def read(data: bytes, ctx: ReadContext) -> Document:
    try:
        obj = json.loads(decode_text(data).lstrip("\ufeff"))
    except (ValueError, RecursionError) as exc:
        raise CorruptFile(f"{ctx.display_name} is damaged: its JSON could not be parsed.", ctx.path) from exc
    if not looks_like_transcript(obj):
        raise UnsupportedFormat(
            f"{ctx.display_name} is a JSON file, but not a meeting transcript Precis recognises.", ctx.path
        )
    items, _ = _items(obj)
    assert items is not None
    dicts = [it for it in items if isinstance(it, dict)]
    indexes = {it.get("speaker_index") for it in dicts if isinstance(it.get("speaker_index"), int)}
    cues: list[Cue] = []
    for it in dicts:
        text = _first(it, _TEXT_KEYS)
        if not isinstance(text, str):
            continue
        cues.append(Cue(
            start=_number(_first(it, _START_KEYS)),
            end=_number(_first(it, _END_KEYS)),
            speaker=_speaker(it, len(indexes) > 1),
            text=strip_noise_tags(text),
        ))
    # CDP's captions-derived sentences keep the broadcast ">>" speaker-change marks.
    cues = split_turns(cues)
    metadata: dict[str, Any] = {}
    if isinstance(obj, dict):
        if isinstance(obj.get("session_datetime"), str):
            metadata["date"] = obj["session_datetime"][:40]
        if isinstance(obj.get("language"), str) and obj["language"].strip():
            metadata["language"] = obj["language"].strip()[:35]
    return build_transcript(cues, ctx, metadata=metadata)


def _items(obj: Any) -> tuple[list[Any] | None, bool]:
    """(the utterance list, whether it sat under a known key)."""
    if isinstance(obj, list):
        return obj, False
    if isinstance(obj, dict):
        for key in _LIST_KEYS:
            if isinstance(obj.get(key), list):
                return obj[key], True
    return None, False


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if item.get(key) is not None:
            return item[key]
    return None


def _number(value: Any) -> float | None:
    """A time in seconds, or None for anything that is not a sane one (bools, NaN, negatives)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0 <= value < 1e8 else None


def _speaker(item: dict[str, Any], indexes_vary: bool) -> str | None:
    """The name if given; else "Speaker N" from the index, but only when indexes differ.

    CDP's WebVTT conversion writes speaker_index 0 for every sentence of a council meeting:
    one index for everyone says nothing about who spoke, so it is read as unknown.
    """
    name = _first(item, _SPEAKER_KEYS)
    if isinstance(name, (str, int)) and not isinstance(name, bool) and str(name).strip():
        return " ".join(str(name).split())[:200]
    index = item.get("speaker_index")
    if indexes_vary and isinstance(index, int) and not isinstance(index, bool):
        return f"Speaker {index + 1}"
    return None
