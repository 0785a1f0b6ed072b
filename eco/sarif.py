"""Findings as SARIF 2.1.0, in the subset GitHub code scanning reads.

One run, one rule per anti-pattern kind, one result per finding. Paths are relative to the
repository root with ``uriBaseId`` ``%SRCROOT%``; ``partialFingerprints`` are derived from the
function's identity and kind (not its line numbers), so a finding survives unrelated edits above it.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable

from eco import __version__
from eco.store.models import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# Where a reader learns what eco is; rules point at their catalog entry below it.
INFORMATION_URI = "https://pypi.org/project/eco/"


def _level(score: float, structural: bool) -> str:
    if structural and score >= 0.7:
        return "warning"
    return "note"


def _text(s: str | None, fallback: str) -> str:
    s = (s or "").strip()
    return s if s else fallback


def findings_to_sarif(findings: Iterable[Finding]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for f in findings:
        c, ap = f.candidate, f.antipattern
        ev = dict(f.evidence or {})
        kind = ev.get("kind") or ap.kind or "other"
        category = ev.get("category") or ap.category or "other"
        if kind not in rules:
            title = _text(ap.title if ap.source == "catalog" else None, kind.replace("-", " "))
            rules[kind] = {
                "id": kind,
                "name": "".join(part.capitalize() for part in kind.split("-")),
                "shortDescription": {"text": title},
                "fullDescription": {"text": _text(ap.description if ap.source == "catalog" else None, title)},
                "helpUri": f"{INFORMATION_URI}#{kind}",
                "help": {"text": _text(ap.description, title)},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["performance", category], "precision": "high" if ev.get("has_detector") else "medium"},
            }
        hits = ev.get("detector") or []
        if hits:
            detail = "; ".join(f"line {h.get('line')}: {h.get('message')}" for h in hits[:3])
        else:
            detail = f"similar to {ev.get('precedent', ap.key)} (cosine {max(ev.get('similarity_before', 0), ev.get('similarity_diff', 0)):.2f})"
        message = f"{c.qualname} has the shape of performance anti-pattern '{kind}': {detail}"
        share = ev.get("hotness_share") or 0.0
        if share:
            message += f" (profile share {share:.1%})"
        ident = f"{c.path}\0{c.qualname}\0{kind}"
        results.append({
            "ruleId": kind,
            "ruleIndex": list(rules).index(kind),
            "level": _level(f.score, f.structural),
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": c.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(1, c.start_line), "endLine": max(c.start_line, c.end_line)},
                },
                "logicalLocations": [{"fullyQualifiedName": c.qualname, "kind": "function"}],
            }],
            "partialFingerprints": {"ecoFunctionKind/v1": hashlib.sha256(ident.encode()).hexdigest()[:32]},
            "properties": {"score": round(f.score, 4), "precedent": ev.get("precedent", ap.key)},
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "eco", "informationUri": INFORMATION_URI, "semanticVersion": __version__,
                                "version": __version__, "rules": list(rules.values())}},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "root of the analysed repository"}}},
            "results": results,
        }],
    }
