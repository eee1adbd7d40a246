"""Erasing a case file: what each app removes, collected in one place, in one transaction.

`cases` does not know the apps built on it (referrals, reports) but their rows point at its
cases, people and attachments, often with PROTECT. Each such app registers an eraser in its
AppConfig.ready; `cases.services.retention.case_erase` calls them, last registered first (an app
registers after the apps it depends on, so its rows go before the rows they point at), then
removes the case itself. An eraser receives the case and an `Erasure`, and hands it the
querysets and files to remove; it may refuse the whole erasure with a ValidationError.

Every row deleted is counted by model and remembered, so that the audit entries of exactly those
records can be redacted; files are only collected here and deleted after the commit.
"""

import os
from collections import Counter, defaultdict
from collections.abc import Callable

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db import router
from django.db.models.deletion import Collector
from django.utils.translation import gettext as _

# (erase(case, erasure), preview(case) -> {model label: count} or None)
_ERASERS: list[tuple[Callable, Callable | None]] = []


def register_eraser(erase: Callable, preview: Callable | None = None) -> None:
    if all(existing is not erase for existing, _preview in _ERASERS):
        _ERASERS.append((erase, preview))


def erasers() -> list[Callable]:
    return [erase for erase, _preview in reversed(_ERASERS)]


def previews(case) -> Counter:
    counts = Counter()
    for _erase, preview in _ERASERS:
        if preview is not None:
            counts.update(preview(case))
    return counts


class Erasure:
    """Deletes what it is given (with cascades), counts it, and keeps the files to remove after commit."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.deleted: dict = defaultdict(set)  # model -> primary keys, for the audit redaction
        self.files: list = []  # (storage, name)

    def delete(self, queryset) -> None:
        """Delete `queryset` and everything that cascades from it, as QuerySet.delete() does."""
        using = router.db_for_write(queryset.model)
        collector = Collector(using=using, origin=queryset)
        collector.collect(queryset)
        for model, instances in collector.data.items():
            self.deleted[model].update(instance.pk for instance in instances)
        _total, per_model = collector.delete()
        self.counts.update({label.lower(): count for label, count in per_model.items() if count})

    def delete_file(self, field_file) -> None:
        """Remove this stored file once the erasure is committed (nothing, if the field is empty)."""
        if field_file:
            self.files.append((field_file.storage, field_file.name))

    def delete_stored(self, storage, name: str) -> None:
        """Remove a stored file by name (for files a row does not point at yet, such as a render under way)."""
        self.files.append((storage, name))

    def check_files(self) -> None:
        """Refuse (and so roll back everything) if storage will not be able to delete a file.

        Deletion itself waits for the commit, so that a failed erasure deletes nothing; this makes
        sure a committed one can finish. A file already missing is nothing to delete.
        """
        for storage, name in self.files:
            try:
                path = storage.path(name)
            except NotImplementedError:  # remote storage: deletion is checked when it happens
                continue
            except SuspiciousFileOperation:
                raise ValidationError(_unremovable_message(), code="file_unremovable") from None
            if os.path.lexists(path) and not os.access(os.path.dirname(path), os.W_OK | os.X_OK):
                raise ValidationError(_unremovable_message(), code="file_unremovable")


def _unremovable_message():
    return _("Nothing was erased: a stored file of this case cannot be removed from storage. "
             "Ask the system administrator to check the file storage, then try again.")
