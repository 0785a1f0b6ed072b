"""Built-in mining rule (negative): a change to tests, docs, CI or packaging only is not a performance fix."""

from __future__ import annotations

import re

from eco.mine.rules import CommitView, Rule, RuleHit

NON_CODE = re.compile(
    r"""
    (?:^|/)(?i:tests?|testing|spec|specs|docs?|documentation|examples?|benchmarks?|bench|asv_bench|\.github|\.gitlab|\.circleci|ci|\.ci|\.devcontainer|scripts/ci)/
  | (?:^|/)(?:test_[^/]*|[^/]*_test|[^/]*_tests|tests?|conftest|noxfile|setup|tasks)\.py$
  | \.(?:md|rst|txt|adoc|ipynb|cfg|ini|toml|ya?ml|json|lock|in|svg|png|jpe?g|gif|ico|css|html?)$
  | (?:^|/)(?:Makefile|Dockerfile|LICENSE[^/]*|COPYING|AUTHORS|CHANGES[^/]*|CHANGELOG[^/]*|HISTORY[^/]*|NEWS[^/]*|README[^/]*|MANIFEST[^/]*|\.gitignore|\.gitattributes|\.mailmap|\.pre-commit[^/]*|\.readthedocs[^/]*|\.coveragerc|\.editorconfig|\.flake8|\.travis\.yml|appveyor\.yml|tox\.ini|codecov\.yml|CODEOWNERS)$
    """,
    re.X,
)


class NonCodeOnly(Rule):
    """Vetoes commits whose every changed path is a test, doc, CI, benchmark or packaging file."""

    name = "non-code-only"
    max_score = 0.0

    def score(self, commit: CommitView) -> RuleHit | None:
        paths = commit.paths
        if not paths:
            return None
        if all(NON_CODE.search(p) for p in paths):
            kinds = sorted({("tests" if re.search(r"test|conftest", p) else "docs/CI/packaging") for p in paths})
            return RuleHit(-3.0, f"only {' and '.join(kinds)} changed ({len(paths)} file{'s' if len(paths) != 1 else ''})")
        return None
