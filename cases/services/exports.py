"""The caseload export as a write: it leaves the building, so it is recorded before it starts."""

from cases import audit, exports, permissions, selectors
from cases.models import User


def caseload_export_start(*, actor: User, filters: dict):
    """Check, record and return the CSV lines of `actor`'s caseload export (cases.exports).

    The audit entry is written before the first line is produced: a download cut short is
    still a download.
    """
    permissions.require(permissions.can_export_caseload(actor))
    cases = selectors.caseload_export(actor, **filters)
    audit.record_caseload_export(actor, cases.count(), filters)
    return exports.caseload_csv_lines(cases)
