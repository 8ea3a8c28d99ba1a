"""The voice filter: Silero VAD in numpy (``desktop/core/ingest/audio/silero.py``, what Precis runs)
against faster-whisper's own onnxruntime session, on the corpus's meetings read aloud by espeak-ng.

    .venv/bin/python benchmarks/vad.py                  # 10 minutes, best of 3
    .venv/bin/python benchmarks/vad.py --minutes 60 --repeat 1

Both read the same ``silero_vad_v6.onnx``; the table gives load time, wall and CPU seconds of the
whole recording's speech probabilities (the fastest of ``--repeat`` runs, the two taking turns),
their largest difference, and whether faster-whisper's ``get_speech_timestamps`` finds the same
speech with each. onnxruntime is only needed for its row.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RATE = 16_000


def recording(minutes: float, work: Path):  # -> np.ndarray
    """``minutes`` of the corpus meetings read aloud (made once, kept in ``work``), as float32 samples."""
    from benchmarks.recordings_child import audio
    from tests.core.ingest._recordings import decode

    path = work / f"meetings-{minutes:g}min.mp3"
    if not path.is_file():
        work.mkdir(parents=True, exist_ok=True)
        audio({"minutes": minutes, "cuts": [], "out": str(path)})
    return decode(path.read_bytes()).astype("float32") / 32768


def timed(model: Any, padded: Any, repeat: int) -> tuple[float, float, Any]:
    best_wall = best_cpu = float("inf")
    probs = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        probs = model(padded.copy())
        best_wall, best_cpu = min(best_wall, time.perf_counter() - wall), min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, probs


def rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    import numpy as np
    from faster_whisper import vad

    from desktop.core.ingest.audio.silero import SileroVAD, asset_path

    samples = recording(args.minutes, Path(args.work_dir).expanduser())
    padded = np.pad(samples, (0, 512 - len(samples) % 512))
    makers = {"numpy (Precis)": lambda: SileroVAD(asset_path())}
    try:
        import onnxruntime  # noqa: F401

        makers["onnxruntime (faster-whisper)"] = lambda: vad.SileroVADModel(str(asset_path()))
    except ImportError:
        print("onnxruntime is not installed: its row is left out", file=sys.stderr)
    models, out = {}, []
    for name, make in makers.items():
        start = time.perf_counter()
        models[name] = make()
        out.append({"row": name, "load_s": time.perf_counter() - start, "wall_s": float("inf"), "cpu_s": float("inf")})
    probs: dict[str, Any] = {}
    for _ in range(args.repeat):  # taking turns, so a busy moment of the machine hits both
        for row in out:
            wall, cpu, probs[row["row"]] = timed(models[row["row"]], padded, 1)
            row["wall_s"], row["cpu_s"] = min(row["wall_s"], wall), min(row["cpu_s"], cpu)
    reference = probs[out[-1]["row"]]
    original = vad.get_vad_model
    try:
        for row in out:
            vad.get_vad_model = lambda model=models[row["row"]]: model
            row["speech"] = vad.get_speech_timestamps(samples, vad.VadOptions(), sampling_rate=RATE)
    finally:
        vad.get_vad_model = original
    for row in out:
        row["minutes"] = len(samples) / RATE / 60
        row["max_diff"] = float(np.abs(probs[row["row"]].reshape(-1) - reference.reshape(-1)).max())
        row["same_speech"] = row["speech"] == out[-1]["speech"]
        row["stretches"] = len(row.pop("speech"))
    return out


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| voice filter | audio min | load ms | wall s | CPU s | x real time (wall) | max prob. difference | speech stretches | same stretches |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['row']} | {r['minutes']:.1f} | {r['load_s'] * 1000:.0f} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} "
                     f"| {r['minutes'] * 60 / r['wall_s']:.0f} | {r['max_diff']:.1e} | {r['stretches']} | {r['same_speech']} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10, help="length of the recording")
    p.add_argument("--repeat", type=int, default=3, help="runs of each, keeping the fastest")
    p.add_argument("--work-dir", default="~/.cache/precis-bench/vad")
    args = p.parse_args()
    print(table(rows(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
