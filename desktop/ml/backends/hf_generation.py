"""Batched ``generate`` and option scoring for models with the transformers interface.

Shared by the torch backend and the ONNX Runtime backend (optimum's ORT models subclass
transformers' ``GenerationMixin``), so both batch, stop and score the same way. Prompts are
tokenized with our ``TokenCounter`` (same ids as ``T5TokenizerFast``) and padded here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

from desktop.core.errors import Cancelled
from desktop.ml.backends.base import GenerationSettings, OnResult, ShouldStop
from desktop.ml.backends.batching import DEFAULT_TOKEN_BUDGET, plan_batches
from desktop.ml.backends.tokenizer import TokenCounter

#: Options scored per forward pass in ``score``.
_SCORE_BATCH = 32
#: The encoder runs before the first decoding step, where no stopping criterion is checked: a
#: batch of 4096 tokens takes several seconds at flan-t5-base size on two cores. Encoding the
#: batch in slices of about this many tokens, checking Cancel between them, keeps Cancel under
#: a second; the slices cost nothing extra since each sequence is encoded independently.
ENCODER_SLICE_TOKENS = 512


class CancelCriterion(StoppingCriteria):
    """Ends ``generate`` at the next decoding step once ``should_stop`` returns True.

    One step of a batch takes milliseconds to a few hundred milliseconds, so Cancel acts well
    within a second even in the middle of a long output.
    """

    def __init__(self, should_stop: ShouldStop) -> None:
        self.should_stop = should_stop
        self.fired = False

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:  # type: ignore[override]
        if not self.fired and self.should_stop():
            self.fired = True
        return torch.full((input_ids.shape[0],), self.fired, dtype=torch.bool, device=input_ids.device)


def generate_kwargs(settings: GenerationSettings) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "do_sample": False,
        "num_beams": settings.num_beams,
        "max_new_tokens": settings.max_new_tokens,
        "min_new_tokens": settings.min_new_tokens,
        "no_repeat_ngram_size": settings.no_repeat_ngram_size,
        "repetition_penalty": settings.repetition_penalty,
        "use_cache": True,
        "num_return_sequences": 1,
    }
    if settings.num_beams > 1:
        # Only meaningful for beam search; transformers warns when set for greedy decoding.
        kw.update(length_penalty=settings.length_penalty, early_stopping=True)
    return kw


def pad(rows: Sequence[Sequence[int]], pad_id: int, device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and the matching attention mask (T5 pads on the right)."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids.to(device), mask.to(device)


def hf_generate(
    model: Any,
    tokenizer: TokenCounter,
    prompts: Sequence[str],
    settings: GenerationSettings,
    *,
    device: Any,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
    should_stop: ShouldStop | None = None,
    on_result: OnResult | None = None,
    first_alone: bool = False,
    on_queued: Callable[[], None] | None = None,
) -> list[str]:
    """One output per prompt, in input order; batches sorted by length under a token budget."""
    encoded = tokenizer.encode_batch(prompts)
    # Beams multiply the decoder's work and memory per prompt: shrink the batch to match.
    budget = max(1, token_budget // max(1, settings.num_beams))
    outputs = [""] * len(prompts)
    kwargs = generate_kwargs(settings)
    for batch in plan_batches([len(e) for e in encoded], budget, first_alone=first_alone):
        if should_stop is not None and should_stop():
            raise Cancelled()
        ids, mask = pad([encoded[i] for i in batch], tokenizer.pad_id, device)
        criterion = CancelCriterion(should_stop) if should_stop is not None else None
        with torch.no_grad():
            encoder_outputs = encode_in_slices(model, ids, mask, should_stop)
            out = model.generate(
                input_ids=ids,
                attention_mask=mask,
                encoder_outputs=encoder_outputs,
                stopping_criteria=StoppingCriteriaList([criterion]) if criterion else None,
                **kwargs,
            )
        if criterion is not None and criterion.fired:
            raise Cancelled()
        texts = tokenizer.decode_batch(out.tolist())
        for i, text in zip(batch, texts):
            outputs[i] = text
            if on_result is not None:
                on_result(i, text)
    if on_queued is not None:  # synchronous: everything has run by now
        on_queued()
    return outputs


def encode_in_slices(model: Any, ids: torch.Tensor, mask: torch.Tensor, should_stop: ShouldStop | None) -> Any:
    """The encoder's output for a padded batch, computed a few rows at a time (see ``ENCODER_SLICE_TOKENS``)."""
    from transformers.modeling_outputs import BaseModelOutput

    encoder = model.get_encoder()
    rows = max(1, ENCODER_SLICE_TOKENS // ids.shape[1])
    parts = []
    for first in range(0, ids.shape[0], rows):
        if should_stop is not None and should_stop():
            raise Cancelled()
        out = encoder(input_ids=ids[first : first + rows], attention_mask=mask[first : first + rows])
        parts.append(out.last_hidden_state)
    return BaseModelOutput(last_hidden_state=torch.cat(parts, dim=0))  # type: ignore[arg-type]


def hf_score(model: Any, tokenizer: TokenCounter, prompt: str, options: Sequence[str], *, device: Any) -> list[float]:
    """Mean per-token log-likelihood of each option (EOS included), teacher-forced.

    The prompt is encoded once and its encoder output shared by every option (ten options cost
    one encoder pass, not ten); only the decoder runs per option."""
    from transformers.modeling_outputs import BaseModelOutput

    source = tokenizer.encode(prompt)
    start = int(model.config.decoder_start_token_id)
    src_ids, src_mask = pad([source], tokenizer.pad_id, device)
    with torch.no_grad():
        hidden = model.get_encoder()(input_ids=src_ids, attention_mask=src_mask).last_hidden_state
    scores: list[float] = []
    for first in range(0, len(options), _SCORE_BATCH):
        targets = tokenizer.encode_batch(list(options[first : first + _SCORE_BATCH]))
        n = len(targets)
        labels, label_mask = pad(targets, tokenizer.pad_id, device)
        decoder_in, _ = pad([[start, *t[:-1]] for t in targets], tokenizer.pad_id, device)
        with torch.no_grad():
            shared = BaseModelOutput(last_hidden_state=hidden.expand(n, -1, -1))  # type: ignore[arg-type]
            logits = model(encoder_outputs=shared, attention_mask=src_mask.expand(n, -1),
                           decoder_input_ids=decoder_in).logits
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        m = label_mask.to(logp.dtype)
        scores.extend(((logp * m).sum(1) / m.sum(1)).tolist())
    return scores
