"""A person's own account: where they are logged in, and removing a security key (allauth's
views do the rest of the second-factor pages; their templates are ours, in config/templates)."""

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import selectors
from cases.services import accounts


@login_required
@require_http_methods(["GET", "POST"])
def own_sessions(request):
    if request.method == "POST":
        if request.POST.get("session"):
            chosen = request.POST["session"]
            # A row id, or nothing: a tampered value (letters, 30 digits) must not reach the database.
            session_ids = [int(chosen)] if chosen.isdigit() and len(chosen) < 18 else []
        else:
            session_ids = None  # every other session
        ended = accounts.user_sessions_end(request=request, session_ids=session_ids)
        if not request.user.is_authenticated:  # the current session was among them
            return redirect("login")
        if ended:
            messages.success(request, _("The session is logged out.") if session_ids else _(
                "Your other sessions are logged out."))
        return redirect("usersessions_list")
    sessions = selectors.own_sessions(request.user)
    return render(request, "usersessions/usersession_list.html", {
        "sessions": sessions, "other_count": sum(1 for session in sessions if not session.is_current()),
    })


class SecurityKeyRemoveView(RemoveWebAuthnView):
    """allauth's removal, but never of the last second factor (allauth asks only for the app)."""

    def form_valid(self, form):
        adapter = get_mfa_adapter()
        if not adapter.can_delete_authenticator(self.get_object()):
            messages.error(self.request, adapter.error_messages["cannot_delete_authenticator"])
            return redirect("mfa_list_webauthn")
        return super().form_valid(form)


remove_security_key = login_required(SecurityKeyRemoveView.as_view())
