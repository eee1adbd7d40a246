"""The retention schedule: how long each kind of record is kept after its case is closed, and why.

One table, read by supervisors on the schedule page (`cases:retention_schedule`) and by the
services that put a closed case up for review. Nothing here erases anything: when a period
ends, a supervisor decides (keep for a stated further period with a reason, or erase), and a
legal hold stops erasure whatever the schedule says.

Why one review for the whole file rather than a clock per record: a case file is only useful
whole. Erasing the notes but keeping the incidents would leave a file that misleads whoever
reopens it and still identifies the client. So every record type that holds personal data is
reviewed together, when the first of their periods ends (they are all equal by default), and
"erase" erases the whole case. The periods can still be set one by one (PANAH_RETENTION_DAYS in
the settings, in days, by key below), so an organisation whose law asks for less can have it.

Default: three years after closure. Clients come back: a closed case is reopened when a
relative is detained, a removal order arrives or an appeal is decided, and refugee procedures
and resettlement take years; three years is also the general limitation period for claims in
several host countries (so the organisation can answer for what it did). Longer keeps data on
people at risk of transnational repression for no purpose (domain.md §5.3, data minimisation).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

THREE_YEARS = 3 * 365


@dataclass(frozen=True)
class RetentionRule:
    key: str
    record_type: Promise
    days: int | None  # None: kept (see `at_the_end`), not reviewed for erasure
    at_the_end: Promise
    why: Promise
    # Erased with the case file: its period counts toward the case's review date.
    reviewed: bool = True

    @property
    def years(self):
        return None if self.days is None else round(self.days / 365, 1)


AFTER_REVIEW = _("Reviewed by a supervisor with the case file: kept for a stated period, or erased.")

RULES = [
    RetentionRule(
        "case_file", _("Case file: people, names in every script, identity documents, legal status, phone numbers"),
        THREE_YEARS, AFTER_REVIEW,
        _("Clients return after closure (a detention in the family, a removal order, an appeal); three years also "
          "covers the usual limitation period for claims against the organisation."),
    ),
    RetentionRule(
        "relatives", _("Relatives in China"), THREE_YEARS, AFTER_REVIEW,
        _("The most dangerous data on the file: never kept longer than the case file itself."),
    ),
    RetentionRule(
        "incidents", _("Incidents and timeline"), THREE_YEARS, AFTER_REVIEW,
        _("Evidence for a reopened claim or a later asylum application; useless without the file."),
    ),
    RetentionRule(
        "notes", _("Notes"), THREE_YEARS, AFTER_REVIEW,
        _("Casework history of the file; kept exactly as long as the file."),
    ),
    RetentionRule(
        "attachments", _("Attachments (scans, photographs, letters)"), THREE_YEARS, AFTER_REVIEW,
        _("Copies of documents the client or the authorities still hold; kept with the file they support."),
    ),
    RetentionRule(
        "referrals", _("Referrals and consents"), THREE_YEARS, AFTER_REVIEW,
        _("Proof of what was released to whom, on which consent: needed as long as the file exists."),
    ),
    RetentionRule(
        "documents", _("Generated documents (PDF packets, dossiers, alert sheets, referral forms) and filing "
                       "materials"), THREE_YEARS, AFTER_REVIEW,
        _("Copies of what was filed or sent; they can be generated again while the file exists."),
    ),
    RetentionRule(
        "alerts", _("Refoulement risk assessments and alerts"), THREE_YEARS, AFTER_REVIEW,
        _("Explain past interventions; they name the case's incidents and documents."),
    ),
    RetentionRule(
        "holds_and_reviews", _("Legal holds and retention reviews"), None,
        _("Erased with the case, except the review decisions (who, when, keep or erase), which stay with the "
          "erasure record without their reasons."),
        _("Accountability for the retention decisions themselves."), reviewed=False,
    ),
    RetentionRule(
        "audit_entries", _("Audit trail entries about the case"), None,
        _("Kept; when the case is erased every recorded value is replaced by [redacted], so the trail says who "
          "did what and when, never what was written."),
        _("Accountability (who read or changed a file before it was erased) without keeping the data."),
        reviewed=False,
    ),
    RetentionRule(
        "erasure_records", _("Erasure records"), None,
        _("Kept for ever: the case reference, how many records of each kind were erased, on whose request or "
          "which review, by whom and when. Never any of the erased data."),
        _("Shows that a request was honoured or a review carried out."), reviewed=False,
    ),
]
RULE_KEYS = {rule.key for rule in RULES}

# What a supervisor may choose when a review decides to keep the file a while longer.
KEEP_OPTIONS = [
    (182, _("6 months")),
    (365, _("1 year")),
    (730, _("2 years")),
    (1095, _("3 years")),
]


def schedule() -> list[RetentionRule]:
    """The rules with the periods this installation has set (PANAH_RETENTION_DAYS) applied."""
    overrides = getattr(settings, "PANAH_RETENTION_DAYS", {}) or {}
    unknown = set(overrides) - RULE_KEYS
    if unknown:
        raise ImproperlyConfigured(f"PANAH_RETENTION_DAYS has unknown record types: {sorted(unknown)}")
    rules = []
    for rule in RULES:
        days = overrides.get(rule.key, rule.days)
        if rule.reviewed and (not isinstance(days, int) or days < 1):
            raise ImproperlyConfigured(f"PANAH_RETENTION_DAYS[{rule.key!r}] must be a positive number of days")
        rules.append(RetentionRule(rule.key, rule.record_type, days if rule.reviewed else rule.days,
                                   rule.at_the_end, rule.why, rule.reviewed))
    return rules


def review_period() -> datetime.timedelta:
    """How long after closure a case comes up for review: the shortest period of the reviewed records."""
    return datetime.timedelta(days=min(rule.days for rule in schedule() if rule.reviewed))


def review_due_on(closed_on: datetime.date) -> datetime.date:
    return closed_on + review_period()
