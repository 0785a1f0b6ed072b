"""Replace secrets with placeholders before text leaves the machine, and put them back after.

The model sees ``ECO_REDACTED_3`` where the source had an API key; it copies the placeholder
into its rewrite like any other literal, and :meth:`Redactor.restore` swaps the secret back in,
so the edit is exact while the endpoint never saw the value. One :class:`Redactor` is used for
every text of one request, so the same secret always gets the same placeholder.

Two kinds of detection: well-known token shapes (OpenAI, GitHub, AWS, Slack, Google, Stripe,
JWTs, PEM private keys, credentials inside URLs, bearer tokens), and literals assigned to names
that say they are secret (``*key*``, ``*token*``, ``*secret*``, ``*password*``), where keys and
tokens must also look random (entropy) and passwords only need to look like a single word.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

PLACEHOLDER_PREFIX = "ECO_REDACTED_"
_PLACEHOLDER_RE = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"\d+")

# Whole-match secrets: the entire match is the secret.
_TOKEN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("private-key", re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        re.DOTALL,
    )),
    ("openai", re.compile(r"\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_\-]{20,}")),
    ("stripe", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("github", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}")),
    ("github-pat", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b")),
    ("slack", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}")),
    ("google", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
]

# Secrets inside a larger match: group "secret" is replaced, the rest kept.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^\s:/@'\"]+):(?P<secret>[^\s@/'\"]+)@")
_BEARER = re.compile(r"(?i)\b(?:bearer|token)\s+(?P<secret>[A-Za-z0-9._~+/\-]{20,}=*)")

_SECRET_NAME = r"[A-Za-z0-9_\-]*?(?:key|token|secret|passw(?:or)?d|pwd|credential|auth)[A-Za-z0-9_\-]*"
# name = "value", name: "value", "name": "value", name="value" (kwargs), also b"/f"/r" prefixes.
_ASSIGNED = re.compile(
    r"(?<![A-Za-z0-9_])(?P<name>['\"]?" + _SECRET_NAME + r"['\"]?)\s*(?::\s*[A-Za-z_][\w\[\], .|]*)?\s*(?:=|:)\s*"
    r"(?P<prefix>[rRbBuU]{0,2})(?P<q>['\"])(?P<secret>[^'\"\n]+)(?P=q)",
    re.IGNORECASE,
)
_PASSWORDY = re.compile(r"passw(?:or)?d|pwd|secret|credential", re.IGNORECASE)
# Values that name things rather than hold secrets.
_COMMON_VALUES = {
    "password", "passwd", "secret", "token", "key", "none", "null", "true", "false", "todo",
    "xxx", "changeme", "example", "placeholder", "redacted", "***", "hidden",
}


def shannon_entropy(text: str) -> float:
    """Bits per character; random tokens score high, words and identifiers low."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(value: str) -> bool:
    """A long string mixing character classes with high entropy: an API key, not a word."""
    if len(value) < 16 or any(ch.isspace() for ch in value):
        return False
    classes = sum(
        [any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)]
    )
    if classes < 2:
        return False
    # identifiers and dotted paths made of words are not random
    if re.fullmatch(r"[a-z]+(?:[_.\-][a-z]+)*", value):
        return False
    return shannon_entropy(value) >= 3.5


def _secret_assignment(name: str, value: str) -> bool:
    if _PLACEHOLDER_RE.fullmatch(value) or value.strip().lower() in _COMMON_VALUES:
        return False
    if any(ch.isspace() for ch in value) or "{" in value or "%" in value:
        return False  # prompts, messages, format strings
    if looks_random(value):
        return True
    if _PASSWORDY.search(name):
        # passwords are short words too; names of env vars / fields are not passwords
        if len(value) < 4 or re.fullmatch(r"[A-Z][A-Z0-9_]*", value) or value.lower() == name.strip("'\"").lower():
            return False
        return True
    return False


@dataclass
class Redactor:
    """Stateful redaction for one exchange: the same secret maps to the same placeholder."""

    secrets: dict[str, str] = field(default_factory=dict)  # placeholder -> secret
    _by_secret: dict[str, str] = field(default_factory=dict)
    kinds: Counter = field(default_factory=Counter)

    def _placeholder(self, secret: str, kind: str) -> str:
        if secret in self._by_secret:
            return self._by_secret[secret]
        placeholder = f"{PLACEHOLDER_PREFIX}{len(self.secrets) + 1}"
        self.secrets[placeholder] = secret
        self._by_secret[secret] = placeholder
        self.kinds[kind] += 1
        return placeholder

    def redact(self, text: str) -> str:
        """``text`` with every detected secret replaced by its placeholder."""
        if not text:
            return text
        for kind, pattern in _TOKEN_PATTERNS:
            text = pattern.sub(lambda m, k=kind: self._placeholder(m.group(0), k), text)
        text = _URL_CREDENTIALS.sub(
            lambda m: m.group(0) if _PLACEHOLDER_RE.fullmatch(m.group("secret"))
            else f"{m.group('scheme')}{m.group('user')}:{self._placeholder(m.group('secret'), 'url-credentials')}@",
            text,
        )
        text = _BEARER.sub(lambda m: self._replace_group(m, "secret", "bearer"), text)
        text = _ASSIGNED.sub(self._assigned, text)
        return text

    def _replace_group(self, m: re.Match[str], group: str, kind: str) -> str:
        value = m.group(group)
        if _PLACEHOLDER_RE.fullmatch(value):
            return m.group(0)
        start, end = m.span(group)
        whole_start = m.start(0)
        full = m.group(0)
        return full[: start - whole_start] + self._placeholder(value, kind) + full[end - whole_start:]

    def _assigned(self, m: re.Match[str]) -> str:
        if not _secret_assignment(m.group("name"), m.group("secret")):
            return m.group(0)
        return self._replace_group(m, "secret", "assigned")

    def restore(self, text: str | None) -> str | None:
        """Put the secrets back where the model copied placeholders."""
        if not text or not self.secrets:
            return text
        # longest placeholder first so ECO_REDACTED_12 is not read as ECO_REDACTED_1 + "2"
        return _PLACEHOLDER_RE.sub(lambda m: self.secrets.get(m.group(0), m.group(0)), text)

    @property
    def count(self) -> int:
        return len(self.secrets)


def redact(text: str) -> tuple[str, Redactor]:
    """Convenience: redact one text and return the redactor that can restore it."""
    redactor = Redactor()
    return redactor.redact(text), redactor
