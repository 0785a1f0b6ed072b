"""Map profiler frames to the repository's functions.

A frame's file is matched to a file of the repository at HEAD by path suffix, so profiles taken on
another machine or in a container (``/app/pkg/mod.py``, ``C:\\build\\pkg\\mod.py``) still map. Its
line picks the innermost function whose range holds it (tree-sitter, cached per file); a frame
with no line, or whose name disagrees with the function at its line, is looked up by name in the
file and maps when the name is unique there. Everything else is a library, stdlib or runtime
frame, or, when it looks like repository code but does not map, is counted with the reason.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import git

from eco.code import Function, detect_language, extract_functions, function_at
from eco.profile.model import Frame
from eco.repo import TargetRepo

MODULE = "<module>"
_LIBRARY_PATH = re.compile(
    r"(^|/)(site-packages|dist-packages)/|/lib(64)?/python\d|/lib/pypy|\.so(\.\d+)*$|^\[|\.pyenv/versions/|/usr/(local/)?lib/"
)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))

# Reasons a repo-looking frame did not map; keys of MapStats.unmapped.
NOT_IN_REPO = "file not in repository"
AMBIGUOUS = "path matches several repository files"
MOVED = "line outside any function (moved since the profiled commit?)"
RENAMED = "function at that line has another name (moved or renamed?)"
NO_LINE = "no line number and name not unique in file"


@dataclass(frozen=True)
class RepoFunction:
    path: str
    qualname: str
    start_line: int
    end_line: int


@dataclass
class MapStats:
    """Counts over distinct frames of one profile."""

    frames: int = 0
    mapped: int = 0
    library: int = 0
    without_line: int = 0
    by_name: int = 0  # mapped by name because the line did not (functions that moved)
    unmapped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    seen_files: Counter[str] = field(default_factory=Counter)

    def note_unmapped(self, reason: str, frame: Frame) -> None:
        self.unmapped[reason] += 1
        if len(self.examples[reason]) < 3:
            self.examples[reason].append(frame.label())

    def as_dict(self) -> dict[str, object]:
        return {
            "frames": self.frames, "mapped": self.mapped, "library": self.library,
            "without_line": self.without_line, "mapped_by_name": self.by_name,
            "unmapped": dict(self.unmapped), "unmapped_examples": {k: v for k, v in self.examples.items() if v},
        }


def _parts(file: str) -> list[str]:
    p = file.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return [x for x in p.split("/") if x and x != "."]


def _normalise_name(name: str) -> str:
    return name.replace(".<locals>", "")


def is_library_path(file: str | None) -> bool:
    """Frames that are plainly not repository code: builtins, stdlib, site-packages, shared objects."""
    if not file or file.startswith("<") or file == "~" or file.replace("\\", "/").endswith("eco/profile/_runner.py"):
        return True
    norm = file.replace("\\", "/")
    if _LIBRARY_PATH.search(norm):
        return True
    if detect_language(norm) is None:
        return True
    parts = _parts(norm)
    if not norm.startswith("/") and parts and (parts[0] in _STDLIB or parts[0].removesuffix(".py") in _STDLIB):
        return True  # py-spy shortens stdlib paths to e.g. "re/__init__.py"
    return False


class RepoIndex:
    """The repository's source files at HEAD and, lazily, their functions."""

    def __init__(self, target: TargetRepo, rev: str = "HEAD") -> None:
        self.target = target
        self._repo = git.Repo(target.root)
        self._tree = self._repo.commit(rev).tree
        self.commit = self._repo.commit(rev).hexsha
        self.files: list[str] = []
        self._blobs: dict[str, git.Blob] = {}
        self.by_basename: dict[str, list[list[str]]] = defaultdict(list)
        for item in self._tree.traverse():
            if item.type == "blob" and detect_language(item.path):  # type: ignore[union-attr]
                self.files.append(item.path)  # type: ignore[union-attr]
                self._blobs[item.path] = item  # type: ignore[union-attr,assignment]
                parts = item.path.split("/")  # type: ignore[union-attr]
                self.by_basename[parts[-1]].append(parts)
        self._functions: dict[str, list[Function]] = {}
        self._lines: dict[str, list[str]] = {}
        self._path_cache: dict[str, tuple[str | None, str | None]] = {}

    def close(self) -> None:
        self._repo.close()

    def functions(self, path: str) -> list[Function]:
        fns = self._functions.get(path)
        if fns is None:
            data = self._read(path)
            lang = detect_language(path)
            fns = extract_functions(data, lang, path) if lang else []
            self._functions[path] = fns
            self._lines[path] = data.decode("utf-8", "replace").splitlines()
        return fns

    def _read(self, path: str) -> bytes:
        """The file as committed at HEAD. The working-tree copy is used when its git blob hash
        equals HEAD's (the usual, clean case): asking git for each blob costs a round trip."""
        blob = self._blobs[path]
        try:
            data = (self.target.root / path).read_bytes()
            if hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == blob.hexsha:
                return data
        except OSError:
            pass
        return blob.data_stream.read()

    def source_line(self, path: str, line: int) -> str:
        lines = self._lines.get(path) or []
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def resolve_path(self, file: str) -> tuple[str | None, str | None]:
        """(repository path, None) or (None, reason). Longest suffix of path components wins."""
        hit = self._path_cache.get(file)
        if hit is not None:
            return hit
        fparts = _parts(file)
        result: tuple[str | None, str | None] = (None, NOT_IN_REPO)
        if fparts:
            library = bool(_LIBRARY_PATH.search("/".join(fparts))) or file.startswith("<")
            best_k, best = 0, []
            for cparts in self.by_basename.get(fparts[-1], ()):
                k = 0
                while k < len(cparts) and k < len(fparts) and cparts[-1 - k] == fparts[-1 - k]:
                    k += 1
                # Valid: the whole repo path is a suffix of the frame path, or the whole (relative)
                # frame path is a suffix of the repo path, or at least a directory and a file agree.
                # A library location (site-packages, an interpreter's lib/) needs a directory
                # too: a top-level main.py is not .../site-packages/_pytest/main.py.
                if k >= 2 or ((k == len(cparts) or k == len(fparts)) and not library):
                    full = k == len(cparts)
                    score = k + (1000 if full else 0)
                    if score > best_k:
                        best_k, best = score, [cparts]
                    elif score == best_k:
                        best.append(cparts)
            if len(best) == 1:
                result = ("/".join(best[0]), None)
            elif len(best) > 1:
                result = (None, AMBIGUOUS)
        self._path_cache[file] = result
        return result


class FrameMapper:
    """Resolves frames of one profile to indexes into ``functions`` (-1 for non-repository frames)."""

    def __init__(self, index: RepoIndex, functions: list[RepoFunction], ids: dict[tuple[str, str], int]) -> None:
        self.index = index
        self.functions = functions
        self._ids = ids
        self.stats = MapStats()

    def _id(self, path: str, qualname: str, start: int, end: int) -> int:
        key = (path, qualname)
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = len(self.functions)
            self.functions.append(RepoFunction(path, qualname, start, end))
        return i

    def _by_name(self, fns: list[Function], name: str) -> Function | None:
        last = name.rsplit(".", 1)[-1]
        for test in (lambda f: f.qualname == name, lambda f: f.qualname.endswith("." + name), lambda f: f.name == last):
            hits = [f for f in fns if test(f)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                return None
        return None

    def resolve(self, frame: Frame) -> int:
        st = self.stats
        st.frames += 1
        if not frame.line:
            st.without_line += 1
        if not frame.file:
            st.library += 1
            return -1
        path, reason = self.index.resolve_path(frame.file)
        if path is None:
            if is_library_path(frame.file):
                st.library += 1
            else:
                st.seen_files[frame.file] += 1
                st.note_unmapped(reason or NOT_IN_REPO, frame)
            return -1
        fns = self.index.functions(path)
        name = _normalise_name(frame.function)
        last = name.rsplit(".", 1)[-1]
        if name == MODULE:
            st.mapped += 1
            return self._id(path, MODULE, 1, 1)
        fn: Function | None = None
        why = NO_LINE
        if frame.line:
            at = function_at(fns, frame.line)
            if at is not None and (last.startswith("<") or at.qualname == name or at.qualname.endswith("." + name) or at.name == last):
                fn = at
            elif at is None:
                text = self.index.source_line(path, frame.line).lstrip()
                if text.startswith(("class ", "@")) or frame.line == 1:
                    st.mapped += 1  # class bodies and module code run at import time
                    return self._id(path, MODULE, 1, 1)
                why = MOVED
            else:
                why = RENAMED
            if fn is None and not last.startswith("<"):
                fn = self._by_name(fns, name)
                if fn is not None:
                    st.by_name += 1
        else:
            fn = self._by_name(fns, name)
        if fn is None:
            st.note_unmapped(why, frame)
            return -1
        st.mapped += 1
        return self._id(path, fn.qualname, fn.start_line, fn.end_line)
