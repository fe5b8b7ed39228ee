"""Bad values quoted in error messages, at most the first 80 characters of each.

An error message is one line a person reads (CLI, problem details, a form): a megabyte value
echoed whole would flood logs and terminals and give an attacker a reflection channel.
"""

from __future__ import annotations

QUOTE_LIMIT = 80


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`repr` of the value's first `limit` characters, saying how long the rest is."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def clipped(message: str, limit: int = 500) -> str:
    """A whole message kept to one readable line: the last guard where a value was not
    quoted through `quoted` (the message's start names the field and the rule)."""
    if len(message) <= limit:
        return message
    return f"{message[:limit]}… ({len(message)} characters in all)"
