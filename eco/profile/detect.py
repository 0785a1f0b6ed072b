"""Recognise a profile file by its content and hand it to the right reader.

cProfile dumps are marshal data: a dict (``{`` or ``\\xfb``) whose first key is a tuple. JSON is
told apart by its keys (speedscope's ``shared``/``profiles``, pyinstrument's ``root_frame`` or
``frame_records``). Anything else whose lines end in a count is collapsed stacks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from eco.profile.collapsed import LINE_RE, read_collapsed
from eco.profile.model import GraphProfile, ProfileError, StackProfile
from eco.profile.pstats_reader import read_pstats
from eco.profile.pyinstrument_reader import read_pyinstrument_session, read_pyinstrument_tree
from eco.profile.speedscope import read_speedscope

FORMATS = ("auto", "pstats", "speedscope", "collapsed", "pyinstrument")
_ALIASES = {"perf": "collapsed", "folded": "collapsed", "py-spy": "collapsed", "cprofile": "pstats", "prof": "pstats"}
_MARSHAL_DICT = {0x7B, 0xFB}
_MARSHAL_KEY = {0x28, 0x29, 0xA8, 0xA9, 0x30}  # tuple / small tuple (with or without the ref flag), or end of dict
_PERF_SCRIPT_HEADER = re.compile(rb"^\S+\s+\d+(?:/\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d+:", re.M)


def normalise_format(fmt: str) -> str:
    f = fmt.strip().lower()
    f = _ALIASES.get(f, f)
    if f not in FORMATS:
        raise ProfileError(f"unknown profile format {fmt!r}: use one of {', '.join(FORMATS)}")
    return f


def sniff(path: Path, head: bytes) -> str:
    """The format of a file from its first bytes, or a :class:`ProfileError` that says why not."""
    if not head.strip():
        raise ProfileError(f"{path}: empty file, not a profile")
    if head[0] in _MARSHAL_DICT and len(head) > 1 and head[1] in _MARSHAL_KEY:
        return "pstats"
    text = head.lstrip()
    if text.startswith(b"{"):
        return "json"
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith(b"#")), b"")
    if LINE_RE.match(first):
        return "collapsed"
    if _PERF_SCRIPT_HEADER.match(first):
        raise ProfileError(f"{path}: raw 'perf script' output; fold it into collapsed stacks first (stackcollapse-perf.pl)")
    raise ProfileError(
        f"{path}: unknown profile format (not pstats, speedscope JSON, pyinstrument JSON or collapsed stacks)"
    )


def _load_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: JSON profile is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{path}: truncated or invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise ProfileError(f"{path}: JSON profile must be an object")
    return doc


def _json_profile(path: Path, doc: dict, wanted: str) -> StackProfile:
    if "profiles" in doc and "shared" in doc:
        kind = "speedscope"
    elif "root_frame" in doc:
        kind = "pyinstrument"
    elif "frame_records" in doc:
        kind = "pyinstrument-session"
    else:
        raise ProfileError(f"{path}: unknown JSON profile (neither speedscope nor pyinstrument)")
    if wanted not in ("auto", kind.split("-")[0]):
        raise ProfileError(f"{path}: this is a {kind} file, not {wanted}")
    if kind == "speedscope":
        return read_speedscope(doc, path)
    if kind == "pyinstrument":
        return read_pyinstrument_tree(doc, path)
    return read_pyinstrument_session(doc, path)


def load_profile(path: Path, fmt: str = "auto") -> StackProfile | GraphProfile:
    """Read ``path`` as ``fmt`` (or whatever its content says, for ``auto``)."""
    wanted = normalise_format(fmt)
    if not path.exists():
        raise ProfileError(f"{path}: no such file")
    if not path.is_file():
        raise ProfileError(f"{path}: not a file")
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}") from None
    if not head.strip():
        raise ProfileError(f"{path}: empty file, not a profile")
    if wanted == "pstats":
        return read_pstats(path)
    if wanted == "collapsed":
        return read_collapsed(path)
    if wanted in ("speedscope", "pyinstrument"):
        return _json_profile(path, _load_json(path), wanted)
    kind = sniff(path, head)
    if kind == "pstats":
        return read_pstats(path)
    if kind == "json":
        return _json_profile(path, _load_json(path), "auto")
    return read_collapsed(path)
