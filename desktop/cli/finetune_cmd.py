"""precis-cli finetune: train a LoRA adapter (or a full fine-tune) on your own pairs, show the
evaluation card, and keep the result in the model store under --out."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from tqdm import tqdm

from desktop.cli.exits import USAGE, fail
from desktop.cli.progress import StderrBar
from desktop.core.errors import Cancelled, PrecisError
from desktop.core.events import CancelToken, Event, Loss, Notice, Progress
from desktop.core.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("finetune", help="fine-tune a model on your own document/summary pairs")
    p.add_argument("--model", help="the base model: an installed model's name or a model folder (with --continue: "
                                   "the adapter's own base, the default)")
    p.add_argument("--pairs", nargs="+", metavar="FILE|DIR",
                   help="JSONL or CSV pairs (document text or a file path, and summary; an optional \"instruction\" "
                        "per row trains that task), or a folder of documents each with a NAME.summary.txt beside it")
    p.add_argument("--out", metavar="NAME", help="name of the new adapter (or model, with --method full); with "
                                                  "--continue, the default writes the adapter's next version")
    p.add_argument("--continue", dest="continue_from", metavar="ADAPTER",
                   help="continue training this kept adapter on new pairs, replaying a sample of its earlier pairs")
    p.add_argument("--schedule", choices=("fixed", "progressive"),
                   help="fixed: every batch mixes pairs and replay alike (default); progressive: the share of your "
                        "new pairs rises from a low start over the first part of the run")
    p.add_argument("--no-pair-copies", action="store_true",
                   help="keep only content hashes of the training pairs with the adapter, not copies (a later "
                        "--continue then finds them again in their files)")
    p.add_argument("--versions", metavar="ADAPTER", help="list the versions of an adapter with their cards, and exit")
    p.add_argument("--use-version", nargs=2, metavar=("ADAPTER", "N"),
                   help="make version N of an adapter the one in use, and exit")
    p.add_argument("--method", choices=("lora", "full"), default=None, help="LoRA adapter (default) or all weights")
    p.add_argument("--preset", default="standard", help="tiny, quick, standard or thorough (default: standard)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--steps", type=int, help="train exactly N steps (overrides --epochs)")
    p.add_argument("--lr", type=float, help="learning rate (default: 5e-4 for LoRA, 1e-4 for full)")
    p.add_argument("--replay", type=float, help="share of replay examples in the training mix (default 0.3)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--val-share", type=float, help="share of the pairs held out to validate on (default 0.1)")
    p.add_argument("--rank", type=int, dest="lora_r", help="LoRA rank (default 16)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)
    p.add_argument("--threads", type=int, help="CPU threads (0 = all cores)")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run of --out from its last checkpoint")
    p.add_argument("--json", action="store_true", help="print the result as a JSON object")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop.ml.finetune import FinetuneRequest, keep_result, preset, run_finetune
    from desktop.ml.models.store import ModelStore

    store_root = load_settings().model_store
    if args.versions or args.use_version:
        from desktop.cli.finetune_versions import run_versions

        return run_versions(args, ModelStore(store_root))
    missing = [flag for flag, value in (("--pairs", args.pairs), ("--model", args.model or args.continue_from),
                                        ("--out", args.out or args.continue_from)) if not value]
    if missing:
        return fail(f"finetune needs {', '.join(missing)} (or --continue ADAPTER in place of --model and --out).", USAGE)
    try:
        settings = preset(args.preset).with_overrides(
            method=args.method, epochs=args.epochs, steps=args.steps, lr=args.lr, replay=args.replay,
            batch_size=args.batch_size, val_share=args.val_share, lora_r=args.lora_r, device=args.device, threads=args.threads,
            schedule=args.schedule, keep_pairs=False if args.no_pair_copies else None,
        ).checked()
    except PrecisError as exc:
        return fail(exc, USAGE)
    args.out = args.out or args.continue_from
    request = FinetuneRequest(args.model or "", [str(Path(p)) for p in args.pairs], args.out, settings, resume=args.resume,
                              store_root=store_root, continue_from=args.continue_from)
    cancel = CancelToken()
    bar = LossBar(False if args.no_progress else None)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _first_interrupt_cancels(cancel)) if main_thread else None
    try:
        result = run_finetune(request, on_event=bar, cancel=cancel)
        dest = keep_result(result, ModelStore(store_root))
    except Cancelled:
        raise Cancelled(f"Stopped. Run the same command with --resume to continue {args.out} from its last "
                        "checkpoint.") from None
    finally:
        bar.close()
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    data = result.to_dict()
    data.update(adapter=args.out, path=str(dest))
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        what = "model" if result.method == "full" else "adapter"
        print(f"Trained {result.steps} steps in {result.seconds:.0f} s; train loss {_fmt(result.train_loss_first)} "
              f"-> {_fmt(result.train_loss_last)}.")
        print(result.card.table())
        version = f" as version {result.version}" if result.version > 1 else ""
        print(f"\nKept the {what} {args.out}{version} ({dest}). Use it with: precis-cli summarize --model {args.out} FILE")
    return 0


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _first_interrupt_cancels(cancel: CancelToken) -> Any:
    """Ctrl-C asks the run to stop at its next check (a consistent checkpoint stays); a second one
    interrupts at once."""
    def handler(_signum: int, _frame: FrameType | None) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\nStopping... (press Ctrl-C again to interrupt at once)", file=sys.stderr)
    return handler


class LossBar(StderrBar):
    """Training progress on stderr: a tqdm bar with step, loss and ETA; other stages as lines."""

    def __init__(self, enabled: bool | None = None) -> None:
        super().__init__(enabled)
        self._stage = ""
        self._val: float | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, Notice):
            self.write(event.text)
        elif isinstance(event, Loss):
            self._loss(event)
        elif isinstance(event, Progress) and self.enabled and event.stage != self._stage \
                and not event.stage.startswith("training"):
            self._stage = event.stage
            self.write(f"{event.stage}...")

    def _loss(self, event: Loss) -> None:
        if event.val is not None:
            self._val = event.val
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = tqdm(total=event.total_steps, file=sys.stderr, desc="training", unit="step", dynamic_ncols=True,
                             leave=False)
        self._bar.n = event.step
        parts = []
        if event.train is not None:
            parts.append(f"loss {event.train:.3f}")
        if self._val is not None:
            parts.append(f"val {self._val:.3f}")
        if event.eta_s is not None:
            parts.append(f"ETA {int(event.eta_s)}s")
        self._bar.set_postfix_str(", ".join(parts), refresh=False)
        self._bar.refresh()
        if event.total_steps is not None and event.step >= event.total_steps:
            self.close()
