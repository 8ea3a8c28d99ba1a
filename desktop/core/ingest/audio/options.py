"""What a job chose about recordings (which Whisper model, where it runs, what to do with speech
not in English), carried to the reader like the OCR options."""

from __future__ import annotations

from dataclasses import dataclass

#: Speech not in English: "translate" (Whisper's own translation into English, summarized by
#: FLAN-T5 with a note) or "transcribe" (a transcript in the spoken language; the language gate
#: then quotes it or leaves it out, as it does any document FLAN-T5 cannot read).
LANGUAGE_MODES = ("translate", "transcribe")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True, slots=True)
class RecordingOptions:
    """``model_dir`` is a CTranslate2 Whisper folder (resolved from the model store by the caller:
    the core knows no store); None means none is installed, and ``missing`` says how to get one.

    ``model_id`` names the weights (name and revision) for the transcript cache. ``spoken`` skips
    language identification ("en", "fr": Whisper's codes). ``max_new_tokens`` caps the text of
    each 30-second window (None: Whisper's own 448 tokens); benchmarks and tests with
    random-weight models set it so every window costs the same.
    """

    model_dir: str | None = None
    model_id: str = ""
    missing: str = "no Whisper model is installed"
    language: str = "translate"
    spoken: str | None = None
    device: str = "auto"
    threads: int = 0
    beam_size: int = 5
    max_new_tokens: int | None = None
    use_cache: bool = True
    #: Seconds of sound decoded and transcribed at a time: memory stays flat over any length.
    slab_seconds: float = 120.0

    def __post_init__(self) -> None:
        if self.language not in LANGUAGE_MODES:
            raise ValueError(f"The recording language must be one of {', '.join(LANGUAGE_MODES)}, "
                             f"not {self.language!r}.")
        if self.device not in DEVICES:
            raise ValueError(f"The device must be one of {', '.join(DEVICES)}, not {self.device!r}.")
        if self.spoken is not None and not (2 <= len(self.spoken) <= 5 and self.spoken.isalpha()):
            raise ValueError(f"A spoken language is a Whisper language code such as en or fr, not {self.spoken!r}.")
        if self.slab_seconds < 30:
            raise ValueError("Recordings are transcribed in slabs of at least 30 seconds.")

    def decoding_key(self) -> str:
        """Everything besides the model and the sound that changes the transcript (the cache key)."""
        import os

        fixed = "|fixed" if os.environ.get("PRECIS_BENCH_FIXED_LENGTH") == "1" else ""  # benchmarks (whisper.py)
        return (f"{self.language}|{self.spoken or 'auto'}|b{self.beam_size}|n{self.max_new_tokens or 0}"
                f"|s{self.slab_seconds:g}{fixed}")


DEFAULT_RECORDING = RecordingOptions()
