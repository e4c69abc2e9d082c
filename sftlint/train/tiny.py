"""A tiny, randomly initialised chat model built offline from a corpus.

Why this exists: the training module has to be exercised for real (real
tokenizer, real model, real TRL trainer) in tests, in CI and in the
walkthrough in ``docs/training.md``, all without network access.  Hub
"tiny" models need a download, so instead we train a byte-level BPE tokenizer
on the dialogue corpus with the ``tokenizers`` library, give it a ChatML-style
chat template whose assistant turns are wrapped in ``{% generation %}``
markers (so TRL can compute assistant-only loss), and build a two-layer
Qwen2- or Llama-shaped model from a config.  Training a few dozen steps takes
seconds on a CPU.

Needs the ``sftlint[train]`` extra; everything heavy is imported inside the
functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

#: Special tokens of the ChatML-style template.  ``<|endoftext|>`` pads.
PAD_TOKEN = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = [PAD_TOKEN, IM_START, IM_END]

#: ChatML with ``{% generation %}`` around what the assistant must learn to
#: write, end-of-turn token included (so the model learns to stop).  Tool
#: definitions open the conversation and tool calls follow the assistant's text
#: as ``<tool_call>{json}</tool_call>``, as Qwen2.5's template writes them, so a
#: tool-calling dataset trains the calls too; reasoning (``reasoning_content``)
#: is written as ``<think>…</think>`` before the answer, as Qwen3's template does.
CHAT_TEMPLATE = (
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n# Tools\\n<tools>\\n' }}"
    "{%- for tool in tools %}{{- tool | tojson }}{{- '\\n' }}{%- endfor %}"
    "{{- '</tools><|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['role'] == 'assistant' %}"
    "{% generation %}"
    "{%- if message.reasoning_content is defined and message.reasoning_content %}"
    "{{- '<think>\\n' + message.reasoning_content + '\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{{- message['content'] }}"
    "{%- if message.tool_calls is defined and message.tool_calls %}"
    "{%- for call in message.tool_calls %}"
    "{{- '<tool_call>' }}{{- (call.function if call.function is defined else call) | tojson }}{{- '</tool_call>' }}"
    "{%- endfor %}"
    "{%- endif %}"
    "{{- '<|im_end|>' }}{% endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def corpus_texts(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Yield every message content of messages-format records (the tokenizer's training text)."""
    for rec in records:
        for msg in rec.get("messages") or []:
            content = msg.get("content") if isinstance(msg, Mapping) else None
            if isinstance(content, str) and content:
                yield content


def train_tokenizer(texts: Iterable[str], vocab_size: int = 2048) -> Any:
    """Train a byte-level BPE tokenizer on ``texts`` and wrap it for transformers.

    Byte-level BPE never meets an unknown character, so any Chinese text the
    model later sees still tokenizes (as bytes where no merge was learned).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token=PAD_TOKEN,
        eos_token=IM_END,
        bos_token=None,
        unk_token=None,
        additional_special_tokens=[IM_START],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.model_max_length = 4096
    return fast


def build_model(tokenizer: Any, arch: str = "qwen2", seed: int = 0, max_positions: int = 4096) -> Any:
    """A two-layer, 64-wide causal LM with random weights, sized to ``tokenizer``."""
    import torch

    torch.manual_seed(seed)
    common = {
        "vocab_size": len(tokenizer),
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": max_positions,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "bos_token_id": None,
        "tie_word_embeddings": True,
    }
    if arch == "qwen2":
        from transformers import Qwen2Config, Qwen2ForCausalLM

        return Qwen2ForCausalLM(Qwen2Config(**common))
    if arch == "llama":
        from transformers import LlamaConfig, LlamaForCausalLM

        return LlamaForCausalLM(LlamaConfig(**common))
    raise ValueError(f"unknown tiny architecture {arch!r} (use 'qwen2' or 'llama')")


def build_tiny_model(
    out_dir: str | Path,
    corpus: Iterable[Mapping[str, Any]] | Iterable[str] | str | Path,
    *,
    vocab_size: int = 2048,
    arch: str = "qwen2",
    seed: int = 0,
) -> Path:
    """Build a tiny model + tokenizer from ``corpus`` and save both to ``out_dir``.

    ``corpus`` is a JSONL path of messages records, an iterable of such
    records, or an iterable of plain strings.  The directory can then be
    passed as ``model`` to ``sftlint train`` like any local model.
    """
    out = Path(out_dir)
    texts = list(_texts_of(corpus))
    if not texts:
        raise ValueError("the corpus holds no text to train a tokenizer on")
    tokenizer = train_tokenizer(texts, vocab_size=vocab_size)
    model = build_model(tokenizer, arch=arch, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out


def _texts_of(corpus: Any) -> Iterator[str]:
    if isinstance(corpus, (str, Path)):
        from sftlint.train.io import read_jsonl

        yield from corpus_texts(read_jsonl(Path(corpus)))
        return
    for item in corpus:
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            yield from corpus_texts([item])
