"""One row of the recordings benchmark, in a fresh process so its peak memory is its own.

Run by ``recordings.py`` as ``python benchmarks/recordings_child.py '<json spec>'``; prints one line
``PRECIS_BENCH_RESULT {...}``. Modes: ``prepare`` (random-weight Whisper at a real shape, in
CTranslate2 form and as the transformers checkpoint it was converted from; FLAN-T5 base for the
end-to-end row), ``audio`` (an hour of the corpus's meetings read by espeak-ng), ``precis``
(the recording read by Precis: streamed decoding, voice filter, faster-whisper int8), ``pipeline``
(transformers' own speech-recognition pipeline in float32, ``chunk_length_s=30``: the naive
baseline), ``naive`` (a hand-written transformers float32 loop: the whole file decoded into
memory, one ``generate`` per 30 seconds without overlap; a stricter baseline) and ``e2e``
(``run_job`` from the recording to the digest).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MARK = "PRECIS_BENCH_RESULT "
RATE = 16_000
CORPUS = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
MEETINGS = ("qmsum-TS3003c-product-meeting.txt", "qmsum-Bed004-icsi-research.txt", "qmsum-covid_7-canada-committee.txt")
VOICES = ("en+m3", "en+f3", "en+m7", "en+f4", "en+m1", "en+f2")


def peak_rss_mb() -> float:
    """The process's own peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def prepare(spec: dict[str, Any]) -> dict[str, Any]:
    from desktop.ml.models.random_whisper import build_random_whisper

    work = Path(spec["work"])
    out: dict[str, Any] = {}
    for shape in spec["shapes"]:
        ct2, hf = work / f"whisper-{shape}-ct2", work / f"whisper-{shape}-hf"
        if not (ct2 / "model.bin").is_file() or not (hf / "model.safetensors").is_file():
            started = time.perf_counter()
            build_random_whisper(ct2, shape, transformers_dir=hf)
            out[shape] = round(time.perf_counter() - started, 1)
    if spec.get("flan"):
        store = work / "store"
        if not (store / "flan-t5-base" / ".complete").is_file():
            from desktop.ml.models.random_model import build_random_t5
            from desktop.ml.models.store import ModelStore

            folder = build_random_t5(work / "flan-t5-base-random", "base")
            ModelStore(store).import_folder(folder, "flan-t5-base", replace=True)
    return {"built_s": out}


def _turns() -> list[tuple[str, str]]:
    from desktop.core.ingest.cues import strip_noise_tags

    turns = []
    for name in MEETINGS:
        for line in (CORPUS / "transcript" / name).read_text(encoding="utf-8").splitlines():
            speaker, sep, words = line.partition(": ")
            words = " ".join(strip_noise_tags(words).split())
            if sep and len(words.split()) >= 3:
                turns.append((speaker.strip(), words))
    return turns


def audio(spec: dict[str, Any]) -> dict[str, Any]:
    """``minutes`` of the corpus meetings read aloud, each speaker in their own voice, as MP3
    (``<out>.mp3``), and its first minutes for each of ``cuts`` (``<out>-<m>min.mp3``)."""
    import numpy as np

    sys.path.insert(0, str(REPO))
    from tests.core.ingest._recordings import decode, write

    target = int(spec["minutes"] * 60 * RATE)
    voices: dict[str, str] = {}
    pieces, total = [], 0
    pause = np.zeros(int(0.5 * RATE), dtype=np.int16)
    for speaker, words in _turns():
        voice = voices.setdefault(speaker, VOICES[len(voices) % len(VOICES)])
        wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "--stdout", words], check=True,
                             capture_output=True).stdout
        samples = decode(wav)
        pieces += [samples, pause]
        total += len(samples) + len(pause)
        if total >= target:
            break
    samples = np.concatenate(pieces)
    if len(samples) < target:  # the corpus's meetings read aloud last about 3 hours: longer ones repeat them
        samples = np.tile(samples, -(-target // len(samples)))
    samples = samples[:target]
    out = Path(spec["out"])
    write(out, samples)
    for minutes in spec["cuts"]:
        write(cut_path(out, minutes), samples[: int(minutes * 60 * RATE)])
    return {"seconds": len(samples) / RATE, "speakers": len(voices)}


def cut_path(hour: Path, minutes: float) -> Path:
    return hour.with_name(f"{hour.stem}-first-{minutes:g}min.mp3")


def precis(spec: dict[str, Any]) -> dict[str, Any]:
    """The recording through Precis's reader: streamed decoding, voice filter, faster-whisper int8."""
    os.environ["PRECIS_BENCH_FIXED_LENGTH"] = "1"
    import numpy as np

    from desktop.core.ingest import RecordingOptions, read_document
    from desktop.core.ingest.audio import whisper
    from desktop.core.ingest.audio.decode import Slab
    from desktop.core.ingest.context import ReadContext

    opts = RecordingOptions(model_dir=spec["model"], model_id=f"bench-{spec['shape']}", max_new_tokens=spec["tokens"],
                            beam_size=spec["beam"], spoken="en", use_cache=False, threads=spec["threads"])
    # Loaded before the clock starts, as the naive row's model is: the model and the voice filter.
    loading = time.perf_counter()
    whisper.load_model(opts, ReadContext(path=Path(spec["audio"]), recording=opts))
    whisper.speech_of(Slab(0.0, np.zeros(RATE, dtype=np.float32)))
    load_s = time.perf_counter() - loading
    started, cpu = time.perf_counter(), time.process_time()
    doc = read_document(spec["audio"], recording=opts)
    seconds = time.perf_counter() - started
    duration = doc.metadata["duration"]
    return {"seconds": round(seconds, 1), "cpu_s": round(time.process_time() - cpu, 1), "audio_s": round(duration, 1),
            "rtf": seconds / duration,
            "speech_s": doc.metadata["speech_seconds"], "blocks": len(doc.blocks), "load_s": round(load_s, 1)}


def naive(spec: dict[str, Any]) -> dict[str, Any]:
    """What a first implementation does: transformers' Whisper in float32, the whole recording decoded
    into memory first, one ``generate`` per 30 seconds of it, exactly ``tokens`` tokens each."""
    import av
    import numpy as np
    import torch
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    if spec["threads"]:
        torch.set_num_threads(spec["threads"])
    folder = spec["model"]
    loading = time.perf_counter()
    extractor = WhisperFeatureExtractor.from_pretrained(folder)
    model = WhisperForConditionalGeneration.from_pretrained(folder, use_safetensors=True).eval()
    load_s = time.perf_counter() - loading
    started, cpu = time.perf_counter(), time.process_time()
    with av.open(spec["audio"]) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks = [f.to_ndarray().reshape(-1) for frame in container.decode(audio=0) for f in resampler.resample(frame)]
    audio_samples = np.concatenate(chunks)
    windows = 0
    for at in range(0, len(audio_samples), 30 * RATE):
        features = extractor(audio_samples[at:at + 30 * RATE], sampling_rate=RATE, return_tensors="pt").input_features
        with torch.inference_mode():
            out = model.generate(features, max_new_tokens=spec["tokens"], min_new_tokens=spec["tokens"],
                                 language="en", task="transcribe", num_beams=1, do_sample=False)
        assert out.shape[1] >= spec["tokens"], out.shape
        windows += 1
    seconds = time.perf_counter() - started
    duration = len(audio_samples) / RATE
    return {"seconds": round(seconds, 1), "cpu_s": round(time.process_time() - cpu, 1), "audio_s": round(duration, 1),
            "rtf": seconds / duration, "windows": windows, "threads": torch.get_num_threads(), "load_s": round(load_s, 1)}


def pipeline(spec: dict[str, Any]) -> dict[str, Any]:
    """transformers' ``pipeline("automatic-speech-recognition")`` as its documentation shows it for
    long audio: float32, 30-second chunks (overlapping by its default stride), the whole recording
    decoded into memory first; every ``generate`` call writes exactly ``tokens`` tokens."""
    import av
    import numpy as np
    import torch
    from transformers import pipeline as hf_pipeline

    if spec["threads"]:
        torch.set_num_threads(spec["threads"])
    loading = time.perf_counter()
    asr = hf_pipeline("automatic-speech-recognition", model=spec["model"], chunk_length_s=30, device="cpu",
                      torch_dtype=torch.float32)
    load_s = time.perf_counter() - loading
    calls = [0]
    generate = asr.model.generate

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return generate(*args, **kwargs)

    asr.model.generate = counted
    started, cpu = time.perf_counter(), time.process_time()
    with av.open(spec["audio"]) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks = [f.to_ndarray().reshape(-1) for frame in container.decode(audio=0) for f in resampler.resample(frame)]
    audio_samples = np.concatenate(chunks)
    asr({"raw": audio_samples, "sampling_rate": RATE}, batch_size=1,
        generate_kwargs={"max_new_tokens": spec["tokens"], "min_new_tokens": spec["tokens"], "language": "en",
                         "task": "transcribe"})
    seconds = time.perf_counter() - started
    duration = len(audio_samples) / RATE
    return {"seconds": round(seconds, 1), "cpu_s": round(time.process_time() - cpu, 1), "audio_s": round(duration, 1),
            "rtf": seconds / duration, "windows": calls[0], "threads": torch.get_num_threads(), "load_s": round(load_s, 1)}


def e2e(spec: dict[str, Any]) -> dict[str, Any]:
    """From the recording to the digest, as ``precis-cli summarize`` runs it: transcribed with
    Whisper (the given shape), summarized by FLAN-T5 base (random weights, fixed lengths)."""
    os.environ["PRECIS_BENCH_FIXED_LENGTH"] = "1"
    from desktop.core.events import Progress
    from desktop.ml.engine.job import JobSpec, run_job

    marks: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()

    def on_event(event: object) -> None:
        if isinstance(event, Progress) and event.stage.startswith("transcribed"):
            marks.setdefault("transcribed", time.perf_counter() - started)

    job = JobSpec(paths=[spec["audio"]], engine="flan-t5", model="flan-t5-base", model_store=spec["store"],
                  recording_model=spec["model"], recording_max_tokens=spec["tokens"], spoken_language="en",
                  use_cache=False, threads=spec["threads"])
    result = run_job(job, on_event=on_event)
    seconds = time.perf_counter() - started
    stats = result.digest.stats
    return {"seconds": round(seconds, 1), "cpu_s": round(time.process_time() - cpu, 1),
            "transcribe_s": round(marks.get("transcribed", float("nan")), 1),
            "summarize_s": round(seconds - marks.get("transcribed", 0.0), 1), "chunks": stats.get("chunks"),
            "points": len(result.digest.points), "errors": result.errors, "engine": result.digest.engine}


MODES = {"prepare": prepare, "audio": audio, "precis": precis, "pipeline": pipeline, "naive": naive, "e2e": e2e}

if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    result = MODES[request["mode"]](request)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(MARK + json.dumps(result), flush=True)
