"""Normalising what people type, so that search compares like with like."""

import re
import unicodedata

_DOCUMENT_NUMBER_NOISE = re.compile(r"[\s\-./]")


def fold_for_search(text):
    """Casefold and compose `text` so that the same name typed twice compares equal.

    NFKC folds Arabic presentation forms (what some keyboards emit for Uyghur) to the base
    letters; casefold handles Latin, Cyrillic and Turkish dotted/dotless i the same way.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


def normalise_document_number(text):
    """Upper-case a document number without spaces, dashes, dots or slashes; '' if it has no digit."""
    compact = _DOCUMENT_NUMBER_NOISE.sub("", text).upper()
    if not any(ch.isdigit() for ch in compact) or len(compact) < 4:
        return ""
    return compact
