"""Talking to a chat model safely: client with retries, secret redaction, reply parsing, prompts."""
