"""The FAISS index of candidate vectors, one folder per embedder and model under ``.eco/index/``.

``vectors.faiss`` is an ``IndexIDMap2(IndexFlatIP)`` keyed by Candidate id over unit vectors (inner
product = cosine). ``manifest.json`` records the embedder, the dimension and the content hash each
id was embedded from, which is what makes updates incremental: an id whose hash is unchanged is
never embedded again. Anti-pattern texts (before code, diff) are cached by text hash in
``antipatterns.npz``. Anything unreadable or foreign in the folder is rebuilt, with a warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger("eco.index")

FORMAT = 1
INDEX_FILE = "vectors.faiss"
MANIFEST_FILE = "manifest.json"
AP_FILE = "antipatterns.npz"


class VectorIndex:
    def __init__(self, folder: Path, embedder: str, model_id: str, dim: int) -> None:
        self.folder = folder
        self.embedder = embedder
        self.model_id = model_id
        self.dim = dim
        self.hashes: dict[int, str] = {}
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.warnings: list[str] = []
        self._ap_cache: dict[str, np.ndarray] = {}
        self._ap_dirty = False

    # -- persistence -----------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, embedder: str, model_id: str, dim: int) -> "VectorIndex":
        """Load the index in ``folder``, or start an empty one (rebuilding anything unusable)."""
        vi = cls(folder, embedder, model_id, dim)
        if not folder.exists():
            return vi
        problem = "not a folder" if not folder.is_dir() else vi._try_load()
        if problem:
            msg = f"index at {folder} is unusable ({problem}); rebuilding it"
            log.warning(msg)
            vi.warnings.append(msg)
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.unlink(missing_ok=True)
            vi.hashes = {}
            vi.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            vi._ap_cache = {}
        return vi

    def _try_load(self) -> str | None:
        man_path, idx_path = self.folder / MANIFEST_FILE, self.folder / INDEX_FILE
        if not man_path.exists() and not idx_path.exists():
            return None if not any(self.folder.iterdir()) else "no manifest"
        try:
            man = json.loads(man_path.read_text())
        except (OSError, ValueError) as exc:
            return f"manifest unreadable: {type(exc).__name__}"
        if not isinstance(man, dict) or man.get("format") != FORMAT:
            return "manifest of another format"
        if (man.get("embedder"), man.get("model_id"), man.get("dim")) != (self.embedder, self.model_id, self.dim):
            return "manifest of another embedder or model"
        try:
            hashes = {int(k): str(v) for k, v in dict(man.get("hashes", {})).items()}
        except (TypeError, ValueError):
            return "manifest hashes malformed"
        try:
            index = faiss.read_index(str(idx_path))
        except Exception as exc:  # faiss raises RuntimeError on garbage
            return f"faiss file unreadable: {str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__}"
        if index.d != self.dim or not isinstance(index, faiss.IndexIDMap2):
            return "faiss file of another shape"
        ids = set(faiss.vector_to_array(index.id_map).tolist()) if index.ntotal else set()
        if ids != set(hashes):
            return "faiss file and manifest disagree"
        self.index, self.hashes = index, hashes
        ap = self.folder / AP_FILE
        if ap.exists():
            try:
                with np.load(ap) as data:
                    self._ap_cache = {k: data[k] for k in data.files if data[k].shape == (self.dim,)}
            except Exception:
                self._ap_cache = {}
                self.warnings.append(f"{ap} unreadable; anti-pattern vectors recomputed")
        return None

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp_idx = self.folder / (INDEX_FILE + ".tmp")
        faiss.write_index(self.index, str(tmp_idx))
        tmp_idx.replace(self.folder / INDEX_FILE)
        man = {"format": FORMAT, "embedder": self.embedder, "model_id": self.model_id, "dim": self.dim,
               "count": int(self.index.ntotal), "hashes": {str(k): v for k, v in self.hashes.items()}}
        tmp_man = self.folder / (MANIFEST_FILE + ".tmp")
        tmp_man.write_text(json.dumps(man))
        tmp_man.replace(self.folder / MANIFEST_FILE)
        self.save_text_vectors()

    def save_text_vectors(self) -> None:
        if self._ap_dirty and self.folder.is_dir():
            tmp_ap = self.folder / "antipatterns.tmp.npz"
            np.savez(tmp_ap, **self._ap_cache)
            tmp_ap.replace(self.folder / AP_FILE)
            self._ap_dirty = False

    # -- updates ---------------------------------------------------------------------------------
    def remove(self, ids: list[int]) -> int:
        ids = [i for i in ids if i in self.hashes]
        if ids:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))
            for i in ids:
                del self.hashes[i]
        return len(ids)

    def add(self, ids: list[int], hashes: list[str], vectors: np.ndarray) -> None:
        if not ids:
            return
        self.remove([i for i in ids if i in self.hashes])
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
        self.hashes.update(zip(ids, hashes))

    # -- reads -----------------------------------------------------------------------------------
    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of everything in the index, without copying through search."""
        n = self.index.ntotal
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dim), dtype=np.float32)
        ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        flat = faiss.downcast_index(self.index.index)
        vecs = faiss.vector_to_array(flat.codes).view(np.float32).reshape(n, self.dim)
        return ids, vecs

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, self.index.ntotal))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    # -- anti-pattern text vectors ---------------------------------------------------------------
    def text_vectors(self, texts: list[str], encode) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Vectors for short texts (anti-pattern before code and diffs), cached by text hash."""
        keys = [hashlib.sha1(t.encode("utf-8", "surrogateescape")).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._ap_cache]
        if missing:
            vecs = encode([texts[i] for i in missing])
            for i, v in zip(missing, vecs):
                self._ap_cache[keys[i]] = np.asarray(v, dtype=np.float32)
            self._ap_dirty = True
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._ap_cache[k] for k in keys]).astype(np.float32)


def peek_dim(folder: Path, embedder: str, model_id: str) -> int | None:
    """The dimension recorded in a matching manifest, without loading anything else."""
    try:
        man = json.loads((folder / MANIFEST_FILE).read_text())
        if man.get("format") == FORMAT and man.get("embedder") == embedder and man.get("model_id") == model_id:
            return int(man["dim"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def up_to_date(folder: Path, embedder: str, model_id: str, current: dict[int, str]) -> int | None:
    """The dimension, when the saved index holds exactly ``current`` (id -> content hash); else None.

    Lets a no-change re-index skip reading the (large) FAISS file; its integrity is checked when it
    is next opened for reading, and a bad file is rebuilt then.
    """
    try:
        man = json.loads((folder / MANIFEST_FILE).read_text())
        if (man.get("format"), man.get("embedder"), man.get("model_id")) != (FORMAT, embedder, model_id):
            return None
        dim = int(man["dim"])
        hashes = man.get("hashes", {})
        if len(hashes) != len(current) or any(current.get(int(k)) != v for k, v in hashes.items()):
            return None
        if (folder / INDEX_FILE).stat().st_size < len(current) * dim * 4:
            return None
        return dim
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
