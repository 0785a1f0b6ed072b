"""Every function of the repository at HEAD, as Candidate rows.

Files are read from git (``ls-tree`` + ``cat-file --batch``), not from the working tree, so an
uncommitted edit can never leak into a finding or a patch, and ``.gitignore`` is honoured for free
(only tracked files exist at HEAD). A per-file blob cache under ``.eco/index/files.json`` makes a
re-run with nothing changed skip parsing entirely.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import delete, insert, select

from eco.code.extract import Function, extract_functions
from eco.code.languages import detect_language, parser_for
from eco.index.normalize import normalize_from_file
from eco.errors import RepoError
from eco.store.models import Candidate, Finding, utcnow

Progress = Callable[[str, int, int], None]

GONE = "gone"  # content_hash of a candidate whose function left HEAD but which a draft still refers to
_CACHE_FORMAT = 1


@dataclass
class ScanSummary:
    files_seen: int = 0  # tracked files in a language eco parses
    files_parsed: int = 0
    files_unchanged: int = 0
    skipped_excluded: int = 0
    skipped_large: int = 0
    skipped_other: int = 0  # symlinks, submodules
    non_utf8: int = 0
    syntax_errors: int = 0
    functions: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    by_language: dict[str, int] = field(default_factory=dict)


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-like globs: ``**`` spans folders, ``*`` and ``?`` stay inside one."""
    i, out = 0, []
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    if "/" not in pattern.rstrip("/"):
        body = "(?:.*/)?" + body  # a bare name matches at any depth, as in .gitignore
    return re.compile(body + "(?:/.*)?$")


class Excluder:
    def __init__(self, globs: Iterable[str]) -> None:
        self._res = [glob_to_regex(g) for g in globs]

    def __call__(self, path: str) -> bool:
        return any(r.match(path) for r in self._res)


@dataclass
class _Entry:
    path: str
    sha: str
    size: int
    mode: str


def _git(root: Path, *args: str) -> bytes:
    try:
        return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True).stdout
    except subprocess.CalledProcessError as exc:
        raise RepoError(f"{root}: git {' '.join(args[:2])} failed: {exc.stderr.decode(errors='replace').strip()}") from None


def tracked_files(root: Path, rev: str = "HEAD") -> list[_Entry]:
    raw = _git(root, "ls-tree", "-r", "-l", "-z", "--full-tree", rev)
    out = []
    for rec in raw.split(b"\0"):
        if not rec:
            continue
        meta, _, path = rec.partition(b"\t")
        mode, kind, sha, size = meta.split()
        if kind != b"blob":
            out.append(_Entry(path.decode("utf-8", "surrogateescape"), sha.decode(), 0, "submodule"))
            continue
        out.append(_Entry(path.decode("utf-8", "surrogateescape"), sha.decode(), int(size) if size != b"-" else 0,
                          mode.decode()))
    return out


def read_blobs(root: Path, shas: list[str]) -> Iterator[tuple[str, bytes]]:
    """Blob contents through one ``git cat-file --batch`` process."""
    if not shas:
        return
    proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    import threading

    def feed() -> None:
        try:
            proc.stdin.write("".join(s + "\n" for s in shas).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for sha in shas:
            header = proc.stdout.readline().split()
            if len(header) < 3:
                continue
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield sha, data
    finally:
        writer.join()
        proc.stdout.close()
        proc.wait()


def _cache_path(index_dir: Path) -> Path:
    return index_dir / "files.json"


def _settings_key(excludes: list[str], max_bytes: int) -> str:
    return hashlib.sha1(json.dumps([sorted(excludes), max_bytes, _CACHE_FORMAT]).encode()).hexdigest()[:12]


def _load_cache(index_dir: Path, key: str, repo_id: int) -> dict[str, dict]:
    try:
        data = json.loads(_cache_path(index_dir).read_text())
        if data.get("key") == key and data.get("repo_id") == repo_id and isinstance(data.get("files"), dict):
            return data["files"]
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def _save_cache(index_dir: Path, key: str, repo_id: int, files: dict[str, dict]) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = _cache_path(index_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "repo_id": repo_id, "files": files}))
    tmp.replace(_cache_path(index_dir))


def scan_functions(
    root: Path, excludes: list[str], max_file_bytes: int, *, skip: dict[str, str] | None = None,
    summary: ScanSummary | None = None, progress: Progress | None = None, normalize_mask: bool | None = None,
) -> tuple[dict[str, list[Function]], dict[str, dict], ScanSummary]:
    """Functions of every tracked source file at HEAD; files whose blob is in ``skip`` are not read.

    With ``normalize_mask`` set, the normalised text of each function is worked out from the file's
    parse on the way (see :func:`eco.index.normalize.normalize_from_file`), for the embedding step.

    Returns (functions by path for the files that were parsed, file records for the cache, summary).
    """
    summary = summary or ScanSummary()
    skip = skip or {}
    exclude = Excluder(excludes)
    wanted: list[tuple[_Entry, str]] = []
    records: dict[str, dict] = {}
    for entry in tracked_files(root):
        lang = detect_language(entry.path)
        if lang is None:
            continue
        summary.files_seen += 1
        if exclude(entry.path):
            summary.skipped_excluded += 1
            continue
        if entry.mode in {"submodule", "120000"}:
            summary.skipped_other += 1
            continue
        if entry.size > max_file_bytes:
            summary.skipped_large += 1
            continue
        if skip.get(entry.path, {}).get("sha") == entry.sha:
            rec = skip[entry.path]
            records[entry.path] = rec
            summary.files_unchanged += 1
            summary.non_utf8 += int(rec.get("non_utf8", 0))
            summary.syntax_errors += int(rec.get("syntax_error", 0))
            continue
        wanted.append((entry, lang))
    by_sha: dict[str, list[tuple[_Entry, str]]] = {}
    for entry, lang in wanted:
        by_sha.setdefault(entry.sha, []).append((entry, lang))
    found: dict[str, list[Function]] = {}
    done = 0
    for sha, data in read_blobs(root, list(by_sha)):
        for entry, lang in by_sha.get(sha, []):
            non_utf8 = False
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                non_utf8 = True
                summary.non_utf8 += 1
                data = data.decode("utf-8", "replace").encode("utf-8")
            tree = parser_for(lang).parse(data)
            bad = tree.root_node.has_error
            summary.syntax_errors += int(bad)
            fns = extract_functions(data, lang, entry.path, tree=tree)
            if normalize_mask is not None and fns and not non_utf8:
                normalize_from_file(data, tree, fns, lang, normalize_mask)
            found[entry.path] = fns
            records[entry.path] = {"sha": entry.sha, "non_utf8": int(non_utf8), "syntax_error": int(bad)}
            summary.files_parsed += 1
            done += 1
            if progress:
                progress("scan", done, len(wanted))
    return found, records, summary


def sync_candidates(ws, progress: Progress | None = None) -> ScanSummary:  # type: ignore[no-untyped-def]
    """Upsert Candidate rows for every function at HEAD and delete rows of functions that are gone."""
    settings = ws.settings
    index_dir = ws.target.index_dir
    key = _settings_key(list(settings.index_exclude), settings.max_file_bytes)
    cache = _load_cache(index_dir, key, ws.repo_id)
    summary = ScanSummary()
    with ws.store.transaction() as s:
        rows = s.execute(
            select(Candidate.id, Candidate.path, Candidate.qualname, Candidate.content_hash, Candidate.language)
            .where(Candidate.repo_id == ws.repo_id)
        ).all()
        if cache:
            # Trust the cache only for files whose rows are all present; otherwise re-parse the file.
            paths_in_db = {r.path for r in rows}
            cache = {p: rec for p, rec in cache.items() if p in paths_in_db or rec.get("functions", 1) == 0}
        found, records, summary = scan_functions(
            ws.root, list(settings.index_exclude), settings.max_file_bytes, skip=cache, summary=summary, progress=progress,
            normalize_mask=bool(settings.index_mask_literals),
        )
        for path, fns in found.items():
            records[path]["functions"] = len(fns)
        live_paths = set(records)
        existing: dict[tuple[str, str], tuple[int, str]] = {(r.path, r.qualname): (r.id, r.content_hash) for r in rows}
        gone_ids: list[int] = []
        for (path, qual), (cid, chash) in existing.items():
            if path not in live_paths:
                gone_ids.append(cid)
            elif path in found and not any(f.qualname == qual for f in found[path]):
                gone_ids.append(cid)
        new_rows: list[dict] = []
        now = utcnow()
        for path, fns in found.items():
            seen: set[str] = set()
            for fn in fns:
                qual = fn.qualname
                if qual in seen:  # same name twice in one file (redefinition, overloads): keep the first
                    continue
                seen.add(qual)
                summary.by_language[fn.language] = summary.by_language.get(fn.language, 0) + 1
                chash = fn.content_hash
                prev = existing.get((path, qual))
                if prev is None:
                    new_rows.append(dict(repo_id=ws.repo_id, path=path, qualname=qual, language=fn.language,
                                         start_line=fn.start_line, end_line=fn.end_line, code=fn.code,
                                         content_hash=chash, updated_at=now))
                    summary.added += 1
                else:
                    cand = s.get(Candidate, prev[0])
                    assert cand is not None
                    if prev[1] != chash:
                        summary.changed += 1
                    if (prev[1], cand.start_line, cand.end_line) != (chash, fn.start_line, fn.end_line):
                        cand.code, cand.content_hash, cand.language = fn.code, chash, fn.language
                        cand.start_line, cand.end_line = fn.start_line, fn.end_line
        for start in range(0, len(new_rows), 2000):  # bulk insert: a first run adds tens of thousands
            s.execute(insert(Candidate), new_rows[start : start + 2000])
        summary.removed = _remove_candidates(s, gone_ids)
        s.flush()
        summary.functions = s.query(Candidate).filter(Candidate.repo_id == ws.repo_id,
                                                      Candidate.content_hash != GONE).count()
    _save_cache(index_dir, key, ws.repo_id, records)
    return summary


def _remove_candidates(s, ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """Delete candidates (and their findings); one that a draft still refers to is kept, marked gone."""
    if not ids:
        return 0
    from eco.store.models import Draft

    pinned = set(
        s.scalars(select(Finding.candidate_id).join(Draft, Draft.finding_id == Finding.id)
                  .where(Finding.candidate_id.in_(ids))).all()
    )
    free = [i for i in ids if i not in pinned]
    for start in range(0, len(free), 500):
        chunk = free[start : start + 500]
        s.execute(delete(Finding).where(Finding.candidate_id.in_(chunk)))
        s.execute(delete(Candidate).where(Candidate.id.in_(chunk)))
    for cid in pinned:
        cand = s.get(Candidate, cid)
        if cand is not None and cand.content_hash != GONE:
            cand.content_hash = GONE
    return len(ids)
