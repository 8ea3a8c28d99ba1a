"""One row of the speed benchmark, measured in a fresh process so its peak memory is its own.

Run by ``speed.py`` as ``python benchmarks/speed_child.py '<json spec>'``; prints one line
``PRECIS_BENCH_RESULT {...}``. Modes: ``naive`` (plain transformers, one chunk at a time),
``backend`` (one Precis backend and quantization), ``auto`` (whatever the loader picks),
``prepare`` (build and import the random-weight model, so the parent never holds torch) and
``build`` (load once so derived files exist; reports their one-off build time).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # before the heavy imports: they are part of loading

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.speed_workload import ensure_model, exact_prompts, model_name

MARK = "PRECIS_BENCH_RESULT "
#: Chunks in the encoder-only pass (one new token each): enough for a stable per-chunk time.
ENCODER_CHUNKS = 4

Generate = Callable[[Sequence[str], int], None]


def _settings(new_tokens: int, ngram: int) -> Any:
    from desktop.ml.backends.base import GenerationSettings

    return GenerationSettings(max_new_tokens=new_tokens, min_new_tokens=new_tokens, no_repeat_ngram_size=ngram)


def naive_runner(model_dir: Path, threads: int, ngram: int) -> tuple[Generate, dict[str, Any]]:
    """What a first implementation does: transformers' tokenizer and model, fp32, one chunk per generate call."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    if threads > 0:
        torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, use_safetensors=True, trust_remote_code=False).eval()

    def generate(prompts: Sequence[str], new_tokens: int) -> None:
        for prompt in prompts:
            inputs = tokenizer(prompt, return_tensors="pt")
            with torch.no_grad():
                out = model.generate(**inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens, num_beams=1,
                                     do_sample=False, no_repeat_ngram_size=ngram)
            assert out.shape[1] == new_tokens + 1, out.shape  # + the decoder start token

    return generate, {"backend": "naive", "quantization": "float32", "threads": torch.get_num_threads(),
                      "batching": "1 chunk per call"}


def backend_runner(store_root: Path, shape: str, name: str, quant: str, threads: int, budget: int | None,
                   ngram: int) -> tuple[Generate, dict[str, Any]]:
    from desktop.ml.backends import create_backend
    from desktop.ml.models.store import ModelStore

    store = ModelStore(store_root)
    ref = store.resolve(model_name(shape))
    engine = create_backend(name, **({"token_budget": budget} if budget else {}))
    engine.load(ref, quantization=quant, threads=threads, derived_dir=store.derived_root(ref))

    def generate(prompts: Sequence[str], new_tokens: int) -> None:
        engine.generate(list(prompts), _settings(new_tokens, ngram))

    info = engine.info()
    return generate, {"backend": name, "quantization": quant, "threads": info.threads,
                      "batching": f"token budget {engine.token_budget}",  # type: ignore[attr-defined]
                      "folder": info.extra.get("folder")}


def auto_runner(store_root: Path, shape: str, threads: int, ngram: int) -> tuple[Generate, dict[str, Any]]:
    """The app's default: ``load_text_model`` with backend, quantization and device all "auto"."""
    from desktop.ml.engine.loader import load_text_model

    model = load_text_model(model_name(shape), backend="auto", quantization="int8", device="auto",
                            threads=threads, store_root=store_root)

    def generate(prompts: Sequence[str], new_tokens: int) -> None:
        model.generate(list(prompts), _settings(new_tokens, ngram))

    info = model.info()
    return generate, {"backend": "auto", "quantization": info.quantization, "threads": info.threads,
                      "picked": f"{info.backend} {info.quantization}",
                      "batching": f"token budget {model.backend.token_budget}"}  # type: ignore[attr-defined]


def build(spec: dict[str, Any]) -> dict[str, Any]:
    """Load once so the derived files exist; report their one-off build time from the manifest."""
    from desktop.ml.backends.derived import folder_name, read_manifest
    from desktop.ml.models.store import ModelStore

    store = ModelStore(Path(spec["store"]))
    ref = store.resolve(model_name(spec["shape"]))
    folder = store.derived_root(ref) / folder_name(spec["backend"], spec["quantization"], ref)
    had = read_manifest(folder) is not None
    started = time.perf_counter()
    backend_runner(Path(spec["store"]), spec["shape"], spec["backend"], spec["quantization"], 1, None, 3)
    manifest = read_manifest(folder) or {}
    return {"backend": spec["backend"], "quantization": spec["quantization"],
            "build_seconds": manifest.get("build_seconds"), "built_now": not had,
            "seconds": round(time.perf_counter() - started, 2)}


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    store_root = Path(spec["store"])
    shape, wl = spec["shape"], spec["workload"]
    n, new, ngram = wl["chunks"], wl["new_tokens"], wl["no_repeat_ngram_size"]
    if spec["mode"] == "naive":
        # Before anything imports desktop (which sets OMP_WAIT_POLICY): the baseline runs with
        # torch's defaults, as plain transformers code would.
        import torch  # noqa: F401
    from desktop.core.memory import peak_rss_mb
    from desktop.ml.models.store import ModelStore

    model_dir = ModelStore(store_root).resolve(model_name(shape)).path
    prompts = exact_prompts(model_dir, n, wl["input_tokens"])
    started = time.perf_counter()
    if spec["mode"] == "naive":
        generate, row = naive_runner(model_dir, spec["threads"], ngram)
    elif spec["mode"] == "auto":
        generate, row = auto_runner(store_root, shape, spec["threads"], ngram)
    else:
        generate, row = backend_runner(store_root, shape, spec["backend"], spec["quantization"], spec["threads"],
                                       spec.get("token_budget"), ngram)
    load_s = time.perf_counter() - started
    k = min(n, ENCODER_CHUNKS)
    t = time.perf_counter()
    generate(prompts[:k], 1)  # the encoder plus one decoder step; also warms up every kernel
    encoder_s = (time.perf_counter() - t) / k
    runs: list[tuple[float, float]] = []
    for _ in range(max(1, spec.get("repeat", 1))):  # best of N: the run the machine disturbed least
        cpu, t = time.process_time(), time.perf_counter()
        generate(prompts, new)
        runs.append((time.perf_counter() - t, time.process_time() - cpu))
    map_s, map_cpu = min(runs)
    decode_s = map_s - n * encoder_s
    row.update(
        load_seconds=round(load_s, 2),
        encoder_seconds_per_chunk=round(encoder_s, 3),
        decode_tokens_per_s=round(n * new / decode_s, 1) if decode_s > 0.05 * map_s else None,
        map_seconds=round(map_s, 2),
        map_cpu_seconds=round(map_cpu, 1),  # all threads of the process: work done, whatever the load
        map_runs=[round(r[0], 2) for r in runs],
        chunks_per_s=round(n / map_s, 3),
        peak_rss_mb=round(peak_rss_mb()),
        process_seconds=round(time.perf_counter() - _STARTED, 1),
    )
    return row


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    if spec["mode"] == "prepare":
        store, seconds = ensure_model(Path(spec["work"]), spec["shape"])
        result: dict[str, Any] = {"store": str(store), "build_seconds": round(seconds, 1)}
    else:
        result = build(spec) if spec["mode"] == "build" else measure(spec)
    print(MARK + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":  # spawn-safe: backends start child processes for conversions
    sys.exit(main(sys.argv[1:]))
