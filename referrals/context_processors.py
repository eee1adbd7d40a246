"""What the page frame needs to know about referrals, asked of `referrals.permissions`."""

from referrals import permissions


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_referrals_only": permissions.works_only_on_referrals(user),
        "nav_can_view_inbox": permissions.can_view_referral_inbox(user),
        "nav_can_view_directory": permissions.can_view_directory(user),
    }
