"""Length presets (short, medium, long): how much each stage may generate and how many points
a digest shows. One table, so the GUI's length picker and the CLI's --length mean the same."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.ml.backends.base import GenerationSettings


@dataclass(frozen=True, slots=True)
class LengthPreset:
    name: str
    map_tokens: int
    merge_tokens: int
    item_tokens: int
    max_points: int
    extractive_doc_sentences: int
    extractive_overview_sentences: int

    def map_settings(self, limit: int | None = None) -> GenerationSettings:
        return _settings(self.map_tokens, limit)

    def merge_settings(self, limit: int | None = None) -> GenerationSettings:
        return _settings(self.merge_tokens, limit)

    def item_settings(self) -> GenerationSettings:
        return GenerationSettings(max_new_tokens=self.item_tokens, min_new_tokens=1, no_repeat_ngram_size=3)

    def title_settings(self) -> GenerationSettings:
        return GenerationSettings(max_new_tokens=24, min_new_tokens=2, no_repeat_ngram_size=2)


def _settings(tokens: int, limit: int | None) -> GenerationSettings:
    cap = tokens if limit is None else max(16, min(tokens, limit))
    return GenerationSettings(max_new_tokens=cap, min_new_tokens=min(8, cap // 4), no_repeat_ngram_size=3)


PRESETS = {
    "short": LengthPreset("short", 64, 96, 64, 4, 2, 2),
    "medium": LengthPreset("medium", 128, 160, 96, 8, 4, 3),
    "long": LengthPreset("long", 192, 256, 128, 14, 8, 5),
}

#: When output degenerates (empty, repeating), retry once with beam search and a penalty.
RETRY = {"num_beams": 4, "repetition_penalty": 1.3, "no_repeat_ngram_size": 3}


def preset(name: str) -> LengthPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown length {name!r}; choose short, medium or long") from None
