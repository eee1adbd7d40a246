"""Bidi isolation for values put into translated plain text (flash messages, form errors, e-mails).

In HTML we wrap such values in <bdi>. Plain text has no element to do that, so the value goes
between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (Unicode 6.3, supported by every current
browser and mail client): "KZ-2026-000001." or a Latin name then keeps its own direction and its
neighbours inside a right-to-left sentence, and the surrounding punctuation stays where the
translator put it. The marks are invisible and harmless in left-to-right text.
"""

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def isolate(value):
    """`value` as text that cannot reorder, or be reordered by, the sentence around it."""
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"
