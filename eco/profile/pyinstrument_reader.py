"""pyinstrument output: the JSON tree (``pyinstrument -r json``) and the saved session
(``pyinstrument -r session`` / ``.pyisession``, raw sampled stacks with times).

In the tree, a node's self time is its time minus its children's; pyinstrument's synthetic nodes
(``[self]``, ``[await]`` and other bracketed names without a file) are the parent's own time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Hashable, Iterator, Sequence

from eco.profile.model import Frame, ProfileError, StackProfile


def _is_synthetic(node: dict[str, Any]) -> bool:
    name = str(node.get("function", ""))
    return name.startswith("[") and not node.get("file_path")


def _node_frame(node: dict[str, Any]) -> Frame:
    name = str(node.get("function", "?"))
    cls = node.get("class_name")
    if cls and "." not in name:
        name = f"{cls}.{name}"
    line = node.get("line_no")
    return Frame(file=node.get("file_path") or node.get("file_path_short") or None,
                 line=int(line) if isinstance(line, int) and line > 0 else None, function=name)


def read_pyinstrument_tree(doc: dict[str, Any], path: Path) -> StackProfile:
    root = doc.get("root_frame")
    if root is None:
        raise ProfileError(f"{path}: pyinstrument JSON has an empty root frame (no samples recorded)")
    weighted: list[tuple[tuple[Frame, ...], float]] = []
    try:
        todo: list[tuple[dict[str, Any], tuple[Frame, ...]]] = [(root, ())]
        while todo:
            node, parent = todo.pop()
            children = node.get("children") or []
            if _is_synthetic(node):
                stack = parent
            else:
                stack = parent + (_node_frame(node),)
            self_time = float(node.get("time", 0.0)) - sum(float(c.get("time", 0.0)) for c in children)
            if self_time > 1e-12 and stack:
                weighted.append((stack, self_time))
            todo.extend((c, stack) for c in children)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"{path}: malformed pyinstrument JSON tree ({exc})") from None

    def stacks() -> Iterator[tuple[Sequence[Hashable], float]]:
        yield from weighted

    return StackProfile(format="pyinstrument", unit="seconds", stacks=stacks, frame_of=lambda f: f)  # type: ignore[arg-type,return-value]


def _session_frame(info: str) -> Frame:
    ident, _, attrs = info.partition("\x01")
    parts = ident.split("\x00")
    name = parts[0] if parts else "?"
    file = parts[1] if len(parts) > 1 and parts[1] else None
    line = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() and int(parts[2]) > 0 else None
    for attr in attrs.split("\x01") if attrs else ():
        if attr.startswith("c") and "." not in name:
            name = f"{attr[1:]}.{name}"
    return Frame(file=file, line=line, function=name)


def read_pyinstrument_session(doc: dict[str, Any], path: Path) -> StackProfile:
    records = doc.get("frame_records")
    if not isinstance(records, list):
        raise ProfileError(f"{path}: pyinstrument session has no frame_records list")
    cache: dict[str, Frame] = {}

    def frame_of(key: Hashable) -> Frame:
        f = cache.get(key)  # type: ignore[arg-type]
        if f is None:
            f = cache[key] = _session_frame(str(key))  # type: ignore[index]
        return f

    def stacks() -> Iterator[tuple[Sequence[Hashable], float]]:
        for rec in records:
            try:
                infos, t = rec
                yield [str(i).partition("\x01")[0] + _class_attr(str(i)) for i in infos], float(t)
            except (TypeError, ValueError):
                raise ProfileError(f"{path}: malformed pyinstrument frame record {str(rec)[:80]!r}") from None

    return StackProfile(format="pyinstrument", unit="seconds", stacks=stacks, frame_of=frame_of)


def _class_attr(info: str) -> str:
    """Keep only the class-name attribute in the key: the executing-line attribute would split one
    function into a key per line."""
    for attr in info.split("\x01")[1:]:
        if attr.startswith("c"):
            return "\x01" + attr
    return ""
