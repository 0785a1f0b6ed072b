"""Secrets never leave the machine: detection of real secret shapes, and no false alarms on ordinary strings."""

from __future__ import annotations

import pytest

from eco.llm.redact import PLACEHOLDER_PREFIX, Redactor, looks_random, redact

SECRETS = [
    ('API_KEY = "sk-proj-abcDEF1234567890abcdefXYZ"', "sk-proj-abcDEF1234567890abcdefXYZ"),
    ('token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"', "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ('aws_id = "AKIAIOSFODNN7EXAMPLE"', "AKIAIOSFODNN7EXAMPLE"),
    ('slack = "xoxb-1234567890-abcdefghijkl"', "xoxb-1234567890-abcdefghijkl"),
    ('g = "AIzaSyA1234567890abcdefghijklmnopqrstuv"', "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
    ('stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"', "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ('password = "hunter22"', "hunter22"),
    ('connect(user="bob", password="pa55word!")', "pa55word!"),
    ("creds = {'db_password': 'letmein99'}", "letmein99"),
    ('SECRET_KEY: str = "x9Fq2LmZ8pR4tW7yB1nC5vK0"', "x9Fq2LmZ8pR4tW7yB1nC5vK0"),
    ('conf = {"api_token": "a8F3kL0pQ9zX2mN7vB4cR6tY"}', "a8F3kL0pQ9zX2mN7vB4cR6tY"),
    ('DB = "postgres://admin:s3cr3tpw@db.example.com/logs"', "s3cr3tpw"),
    ('h = {"Authorization": "Bearer abcdefghijklmnopqrstuvwxyz123456"}', "abcdefghijklmnopqrstuvwxyz123456"),
    ('jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"',
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
]


@pytest.mark.parametrize("line,secret", SECRETS)
def test_secret_is_replaced_and_restored(line: str, secret: str) -> None:
    redacted, redactor = redact(line)
    assert secret not in redacted
    assert PLACEHOLDER_PREFIX in redacted
    assert redactor.restore(redacted) == line


def test_private_key_block_is_redacted_whole() -> None:
    body = "MIIEowIBAAKCAQEA7b3\nq9XzYlongbase64material==\n"
    text = f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----"""\n'
    redacted, redactor = redact(text)
    assert "MIIEow" not in redacted and "BEGIN RSA PRIVATE KEY" not in redacted
    assert redactor.restore(redacted) == text


HARD_NEGATIVES = [
    "items.sort(key=lambda x: x[1])",
    'key = "user_id"',
    'token_type = "bearer"',
    'password_prompt = "Enter your password: "',
    'PASSWORD_ENV = "DB_PASSWORD"',
    'url = "https://example.com/path?q=1"',
    'sk = "skeleton"',
    'monkey = "banana"',
    'author = "jdoe"',
    'cache_key = "{}:{}".format(a, b)',
    'primary_key = "request_id_with_long_name"',
    'msg = "the token was rejected by the server, please retry later"',
    'SORT_KEY = "timestamp"',
    'password = ""',
    'password = os.environ["DB_PASSWORD"]',
    'def check(password):\n    return len(password) > 8',
    'sha = "3f786850e387550fdab836ed7e6dc881de23001b"',
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_ordinary_strings_are_not_redacted(text: str) -> None:
    redacted, redactor = redact(text)
    assert redacted == text
    assert redactor.count == 0


def test_same_secret_same_placeholder_across_texts() -> None:
    redactor = Redactor()
    a = redactor.redact('KEY = "sk-proj-abcDEF1234567890abcdefXYZ"')
    b = redactor.redact('client(api_key="sk-proj-abcDEF1234567890abcdefXYZ")')
    assert redactor.count == 1
    placeholder = next(iter(redactor.secrets))
    assert placeholder in a and placeholder in b


def test_redaction_is_idempotent_on_placeholders() -> None:
    redactor = Redactor()
    once = redactor.redact('password = "hunter22"')
    twice = redactor.redact(once)
    assert once == twice and redactor.count == 1


def test_restore_distinguishes_placeholder_numbers() -> None:
    redactor = Redactor()
    text = "\n".join(f'password{i} = "secretvalue{i:02d}x"' for i in range(12))
    redacted = redactor.redact(text)
    assert redactor.count == 12
    assert redactor.restore(redacted) == text


def test_looks_random_separates_keys_from_words() -> None:
    assert looks_random("a8F3kL0pQ9zX2mN7vB4cR6tY")
    assert not looks_random("request_id_with_long_name")
    assert not looks_random("short1A")
