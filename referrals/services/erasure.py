"""What erasing a case removes from referrals (registered with `cases.erasure` in ReferralsConfig.ready).

Referrals and consents point at the case's people and attachments with PROTECT (who agreed to
what must outlive an edit of the household), so they go before the case does: referrals first
(they PROTECT their consent), with their events and notifications, then the consents.
"""

from referrals.models import Consent, Referral


def erase_case_referrals(case, erasure) -> None:
    erasure.delete(Referral.objects.filter(case=case))
    erasure.delete(Consent.objects.filter(case=case))


def preview_case_referrals(case) -> dict:
    return {
        "referrals.referral": Referral.objects.filter(case=case).count(),
        "referrals.consent": Consent.objects.filter(case=case).count(),
    }
