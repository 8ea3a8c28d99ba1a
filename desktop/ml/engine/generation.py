"""Run generation tasks through the cache and the model, with retries for degenerate output.

Every stage of the map-reduce (chunk summaries, merges, decisions, titles) goes through
``Generator.run``: cached outputs cost nothing, the rest go to the backend in one call per
generation setting (the backend batches them by length), and each finished output is
reported at once so the GUI can stream partial summaries.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from desktop.core.cache import SummaryCache, cache_key
from desktop.core.events import CancelToken
from desktop.core.prompting.prompts import Prompt
from desktop.ml.backends.base import GenerationSettings
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.engine.presets import RETRY
from desktop.ml.engine.quality import clean_output, is_degenerate
from desktop.ml.engine.timing import StageClock

#: Benchmarks only (``benchmarks/speed.py``): "1" makes every generation exactly its maximum
#: length (min = max new tokens) and turns retries off, so the work done does not depend on
#: when a random-weight model happens to emit EOS or repeat itself. Never set by the app.
FIXED_LENGTH_ENV = "PRECIS_BENCH_FIXED_LENGTH"


@dataclass(slots=True)
class Task:
    prompt: Prompt
    settings: GenerationSettings
    #: Degenerate output of a task that must say something (a summary) is retried; list-like
    #: answers (decisions...) may legitimately be short and are not.
    retry: bool = True
    output: str = ""
    cached: bool = False
    degenerate: bool = False


@dataclass(slots=True)
class GenerationStats:
    generated: int = 0
    cache_hits: int = 0
    retried: int = 0
    degenerate: int = 0
    seconds_generating: float = 0.0
    tokens_in: int = 0
    outputs: list[float] = field(default_factory=list)


class Generator:
    def __init__(self, model: TextModel, cache: SummaryCache, cancel: CancelToken, *, clock: StageClock | None = None) -> None:
        self.model = model
        self.cache = cache
        self.clock = clock or StageClock()
        # Cache reads and writes are timed apart (they sit inside the map and merge stages).
        self._get = self.clock.timed("cache reads", cache.get)
        self._put = self.clock.timed("cache writes", cache.put)
        self.cancel = cancel
        self.stats = GenerationStats()
        self.fixed_length = os.environ.get(FIXED_LENGTH_ENV) == "1"

    def key(self, task: Task, settings: GenerationSettings | None = None) -> str:
        s = settings or task.settings
        return cache_key(self.model.identity, task.prompt.template_id, s.key(), task.prompt.text)

    def run(self, tasks: list[Task], on_done: Callable[[Task], None] | None = None, *,
            first_alone: bool = False, on_queued: Callable[[], None] | None = None) -> list[Task]:
        """Fill ``task.output`` for every task; ``on_done`` fires as each one finishes.

        ``first_alone``: the first uncached task is a batch of its own, so its output arrives
        within seconds instead of after a whole batch (the map step uses it: a batch of eight
        512-token chunks takes 5-10 s on two cores, one chunk 1-2 s). It is planned in the same
        backend call as the rest, so a backend that runs two batches side by side starts on the
        rest at once instead of leaving a core idle while the first one runs.

        ``on_queued``: called once, when the model has been handed every task (at once when the
        cache answered them all); see ``Backend.generate``.
        """
        if self.fixed_length:
            for task in tasks:
                task.settings = replace(task.settings, min_new_tokens=task.settings.max_new_tokens)
                task.retry = False
        pending: list[Task] = []
        for task in tasks:
            hit = self._get(self.key(task))
            if hit is not None:
                self._finish(task, hit, cached=True)
                self.stats.cache_hits += 1
                # A cached degenerate output goes through the retry below (whose output is cached
                # too), so a rerun gives the same result as the first run.
                if on_done and not self._will_retry(task):
                    on_done(task)
            else:
                pending.append(task)
        queued = _Once(on_queued)
        self._generate(pending, None, on_done, first_alone=first_alone, on_queued=queued)
        queued()
        retry = [t for t in tasks if self._will_retry(t)]
        if retry:
            self._generate(retry, RETRY, None)
            self.stats.retried += sum(1 for t in retry if not t.cached)  # retries the cache did not answer
            if on_done:  # once per task: retried ones were held back until now
                for t in retry:
                    on_done(t)
        # Only outputs that had to say something and were replaced count: a list answer ("None")
        # may legitimately be short and is used as it is.
        self.stats.degenerate += sum(1 for t in tasks if t.degenerate and t.retry)
        return tasks

    def _generate(self, tasks: list[Task], overrides: dict | None, on_done: Callable[[Task], None] | None, *,
                  first_alone: bool = False, on_queued: Callable[[], None] | None = None) -> None:
        by_settings: dict[GenerationSettings, list[Task]] = {}
        for task in tasks:
            s = replace(task.settings, **overrides) if overrides else task.settings
            by_settings.setdefault(s, []).append(task)
        last = list(by_settings)[-1] if by_settings else None
        for settings, group in by_settings.items():
            self.cancel.raise_if_cancelled()
            # Overrides (retries) are looked up in the cache under their own settings.
            todo = []
            for task in group:
                hit = self._get(self.key(task, settings)) if overrides else None
                if hit is not None:
                    self._finish(task, hit, cached=True)
                else:
                    todo.append(task)
            if not todo:
                continue
            self._call(todo, settings, overrides, on_done, first_alone=first_alone,
                       on_queued=on_queued if settings == last else None)
            first_alone = False

    def _call(self, todo: list[Task], settings: GenerationSettings, overrides: dict | None,
              on_done: Callable[[Task], None] | None, *, first_alone: bool = False,
              on_queued: Callable[[], None] | None = None) -> None:
        """One backend call for tasks sharing ``settings``; results are cached and reported as they come."""
        started = time.monotonic()

        def on_result(i: int, text: str) -> None:
            task = todo[i]
            self._put(self.key(task, settings), text, task.prompt.template_id)
            self._finish(task, text, cached=False)
            self.stats.generated += 1
            if on_done and not overrides and not self._will_retry(task):
                on_done(task)

        outputs = self.model.generate(
            [t.prompt.text for t in todo], settings, should_stop=lambda: self.cancel.cancelled, on_result=on_result,
            first_alone=first_alone, on_queued=on_queued,
        )
        self.stats.seconds_generating += time.monotonic() - started
        for task, text in zip(todo, outputs):
            if not task.output and text:
                self._put(self.key(task, settings), text, task.prompt.template_id)
                self._finish(task, text, cached=False)

    @staticmethod
    def _will_retry(task: Task) -> bool:
        return task.retry and task.degenerate

    @staticmethod
    def _finish(task: Task, raw: str, *, cached: bool) -> None:
        task.output = clean_output(raw)
        task.cached = cached
        task.degenerate = is_degenerate(task.output)


class _Once:
    """A callback that runs at most once, whoever calls it (the backend, or ``run`` at the end)."""

    def __init__(self, fn: Callable[[], None] | None) -> None:
        self.fn = fn

    def __call__(self) -> None:
        fn, self.fn = self.fn, None
        if fn is not None:
            fn()
