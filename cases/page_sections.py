"""Sections that other apps add to pages of `cases`, without `cases` importing them.

An app built on `cases` (referrals, reports) registers a function per page in its
AppConfig.ready; the page calls each with the request and its record (the case, the alert) and
includes what comes back. A function returns None when it has nothing for this viewer, so
permission stays with the app that owns the data.
"""

from collections.abc import Callable

CASE_PAGE = "case"
ALERT_PAGE = "alert"

# page -> functions returning {"template": ..., "anchor": ..., "title": ..., **context} or None.
_SECTIONS: dict[str, list[Callable]] = {CASE_PAGE: [], ALERT_PAGE: []}


def register_section(page: str, section: Callable) -> None:
    if section not in _SECTIONS[page]:
        _SECTIONS[page].append(section)


def sections(page: str, request, record) -> list[dict]:
    return [section for build in _SECTIONS[page] if (section := build(request, record)) is not None]
