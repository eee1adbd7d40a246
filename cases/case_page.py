"""Sections that other apps add to the case file page, without `cases` importing them.

An app built on `cases` (referrals, reports) registers a function in its AppConfig.ready; the
case page calls each with the request and the case and includes what comes back. A function
returns None when it has nothing for this viewer, so permission stays with the app that owns
the data.
"""

from collections.abc import Callable

# Each returns {"template": ..., "anchor": ..., "title": ..., **context} or None.
_SECTIONS: list[Callable] = []


def register_section(section: Callable) -> None:
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def sections(request, case) -> list[dict]:
    return [section for build in _SECTIONS if (section := build(request, case)) is not None]
