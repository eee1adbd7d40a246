"""Redaction profiles: what each kind of recipient does not get.

Redaction happens before rendering: a removed item is never written into the HTML, so it is
absent from the PDF's bytes, not covered by a black box. The internal file copy keeps
everything; public advocacy drops every identifier that put people at risk when appeals were
published (domain.md §5.2: a residence number and a date of birth in a public appeal).
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from reports.models import RecipientKind

# What a profile can remove from a case summary.
DOCUMENT_NUMBERS = "document_numbers"  # identity-document and UNHCR numbers, names as printed
BIRTH = "birth"  # date and place of birth
CITY = "city"  # where the person lives in the host country
RELATIVES = "relatives"  # relatives in China and what happened to them
NARRATIVES = "narratives"  # the words of incident descriptions (categories and dates stay)
REFERRALS = "referrals"  # which services the person was referred to
RISK_DETAIL = "risk_detail"  # the factors and rules behind the risk level (they name events and relatives)

LABELS = {
    DOCUMENT_NUMBERS: _("identity-document and UNHCR numbers"),
    BIRTH: _("date and place of birth"),
    CITY: _("city of residence"),
    RELATIVES: _("relatives in China"),
    NARRATIVES: _("descriptions of events"),
    REFERRALS: _("referrals"),
    RISK_DETAIL: _("the reasons behind the risk level"),
}

PROFILES = {
    RecipientKind.FILE: set(),
    RecipientKind.COURT: {REFERRALS},
    RecipientKind.UNHCR: set(),
    # A provider is sent a referral form, never a case summary (see RECIPIENTS_BY_KIND).
    RecipientKind.PROVIDER: {DOCUMENT_NUMBERS, BIRTH, CITY, RELATIVES, NARRATIVES, REFERRALS, RISK_DETAIL},
    RecipientKind.PUBLIC: {DOCUMENT_NUMBERS, BIRTH, CITY, RELATIVES, NARRATIVES, REFERRALS, RISK_DETAIL},
}


# How a list of items is joined in running text, per language (Arabic-script and Chinese commas).
LIST_SEPARATORS = {"ar": "، ", "ug": "، ", "zh-hans": "、"}


def removed_text(recipient_kind: str) -> str:
    """The removed items as one phrase in the active language ("" when nothing is removed)."""
    separator = LIST_SEPARATORS.get(translation.get_language(), ", ")
    return separator.join(str(LABELS[item]) for item in LABELS if item in PROFILES[RecipientKind(recipient_kind)])


def removed_for(recipient_kind: str) -> dict:
    """Flags for the templates: {"birth": True, ...} for every item the profile removes."""
    return dict.fromkeys(PROFILES[RecipientKind(recipient_kind)], True)
