"""Writes to an account's security: a person ending their own sessions, and an administrator
resetting someone's second factor (a lost phone or key)."""

from allauth.mfa.models import Authenticator
from allauth.usersessions.internal.flows.sessions import end_sessions
from allauth.usersessions.models import UserSession
from django.db import transaction

from cases import permissions
from cases.models import User


def user_sessions_end(*, request, session_ids: list[int] | None = None) -> int:
    """End the listed sessions of the person making the request, or all their other sessions.

    Only the person's own sessions can be named; ids of anyone else's are ignored. Ending the
    current one logs this browser out too. Returns how many ended."""
    sessions = UserSession.objects.filter(user_id=request.user.pk)
    if session_ids is None:
        chosen = [session for session in sessions if not session.is_current()]
    else:
        chosen = list(sessions.filter(pk__in=session_ids))
    end_sessions(request, chosen)
    return len(chosen)


@transaction.atomic
def user_second_factor_reset(*, actor: User, user: User) -> int:
    """Remove `user`'s authenticator app, security keys and recovery codes, and log them out
    everywhere: at their next login they must set up a new second factor before anything else.
    For a lost or stolen phone or key. Returns how many authenticators were removed; each
    removal is on the audit trail (without the key)."""
    permissions.require(permissions.can_manage_user(actor, User.objects.get(pk=user.pk)))
    removed = 0
    for authenticator in Authenticator.objects.filter(user_id=user.pk):
        authenticator.delete()
        removed += 1
    for session in UserSession.objects.filter(user_id=user.pk):
        session.end()
    return removed
