"""The duplicate review queue (issue 8): possible duplicates, side by side, and the merge decisions.

A merge is proposed by a supervisor, confirmed by a second reviewer, and can be undone; the
services decide, these views only show and ask. Proposing, confirming and undoing ask for the
password again (as sharing, exporting and erasing do): a session left open must not be enough
to say two people are one. A pair one may not see in full is not found (404).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import audit, permissions
from cases.choices import DuplicateStatus
from cases.forms import PasswordConfirmationForm
from cases.selectors import identity as identity_selectors
from cases.services import identities
from cases.services.versioning import StaleEditError
from config.bidi import isolate

STALE_MESSAGE = gettext_lazy(
    "Someone else decided on this pair while you were looking at it. Nothing has been changed: "
    "read the pair as it is now, then decide again."
)


# --- Forms ---------------------------------------------------------------------------------------

class DismissForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmMergeForm(PasswordConfirmationForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProposeMergeForm(ConfirmMergeForm):
    survivor = forms.TypedChoiceField(
        label=gettext_lazy("Record to keep as the main one"), coerce=int, widget=forms.RadioSelect,
        help_text=gettext_lazy("The other record is linked to it. Both keep every name and document."),
    )

    def __init__(self, *args, candidate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [
            # Plain-text labels: the values are isolated with FSI/PDI, as <bdi> does in markup.
            (person.pk, _("Case %(reference)s: %(name)s") % {
                "reference": isolate(person.case.reference),
                "name": isolate(person.display_name) if person.display_name else _("(no name recorded)")})
            for person in (candidate.first, candidate.second)
        ]


# action -> (may the user?, the pair's statuses it applies to, its form: a password form asks again)
ACTIONS = {
    "propose": (permissions.can_propose_merge, (DuplicateStatus.OPEN, DuplicateStatus.UNDONE), ProposeMergeForm),
    "confirm": (permissions.can_confirm_merge, (DuplicateStatus.PROPOSED,), ConfirmMergeForm),
    "dismiss": (
        permissions.can_propose_merge,
        (DuplicateStatus.OPEN, DuplicateStatus.PROPOSED, DuplicateStatus.UNDONE),
        DismissForm,
    ),
    "undo": (permissions.can_propose_merge, (DuplicateStatus.MERGED,), ConfirmMergeForm),
}
DONE_MESSAGES = {
    "propose": gettext_lazy("Merge proposed. A second reviewer must confirm it."),
    "confirm": gettext_lazy("Merge confirmed: the two records are now marked as the same person."),
    "dismiss": gettext_lazy("Recorded as different people."),
    "undo": gettext_lazy("Merge undone: the two records are separate again, as they were."),
}


def _form(action, request, candidate, data=None):
    form_class = ACTIONS[action][2]
    kwargs = {"prefix": action, "initial": {"version": candidate.version}}
    if form_class is ProposeMergeForm:
        kwargs["candidate"] = candidate
    if issubclass(form_class, PasswordConfirmationForm):
        kwargs["request"] = request
    return form_class(data, **kwargs)


def _run(action, actor, candidate, form):
    version = form.cleaned_data["version"]
    if action == "propose":
        survivor = next(p for p in (candidate.first, candidate.second) if p.pk == form.cleaned_data["survivor"])
        identities.duplicate_merge_propose(actor=actor, candidate=candidate, expected_version=version,
                                           survivor=survivor)
    elif action == "confirm":
        identities.duplicate_merge_confirm(actor=actor, candidate=candidate, expected_version=version)
    elif action == "dismiss":
        identities.duplicate_dismiss(actor=actor, candidate=candidate, expected_version=version)
    else:
        identities.duplicate_merge_undo(actor=actor, candidate=candidate, expected_version=version)


# --- Pages ---------------------------------------------------------------------------------------

@login_required
def duplicate_queue(request):
    """Pairs to review. Everyone gets the page; it lists only what the user may see."""
    status = request.GET.get("status") or DuplicateStatus.OPEN
    if status not in DuplicateStatus.values:
        status = DuplicateStatus.OPEN
    entries = identity_selectors.duplicate_queue(request.user, status=status)
    rows = []
    for entry in entries:
        if entry.full:
            rows.append({"entry": entry})
        else:
            rows.append({"entry": entry})
    return render(request, "cases/duplicates/queue.html", {
        "rows": rows,
        "status": status,
        "tabs": [(value, label, value == status) for value, label in DuplicateStatus.choices],
        "can_review": permissions.can_review_duplicates(request.user),
    })


@login_required
def duplicate_detail(request, candidate_id):
    """The pair side by side, with the decisions the user may take on it now."""
    candidate = identity_selectors.duplicate_candidate(request.user, candidate_id)
    bound_action, bound_form = None, None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            messages.error(request, _("Choose what to do with this pair."))
        else:
            may, _statuses, _form_class = ACTIONS[action]
            permissions.require(may(request.user, candidate))
            form = _form(action, request, candidate, data=request.POST)
            if form.is_valid():
                try:
                    _run(action, request.user, candidate, form)
                except (StaleEditError, ValidationError) as error:
                    for message in [STALE_MESSAGE] if isinstance(error, StaleEditError) else error.messages:
                        messages.error(request, message)
                    # Nothing changed: show the pair as it is now.
                    candidate = identity_selectors.duplicate_candidate(request.user, candidate_id)
                else:
                    messages.success(request, DONE_MESSAGES[action])
                    return redirect("cases:duplicate_detail", candidate_id=candidate.pk)
            else:
                bound_action, bound_form = action, form
    context = _detail_context(request, candidate, bound_action, bound_form)
    return render(request, "cases/duplicates/detail.html", context, status=400 if request.method == "POST" else 200)


def _detail_context(request, candidate, bound_action, bound_form):
    user = request.user
    # Reading the pair is reading two case files: recorded as the case page records it.
    audit.record_read(candidate.first.case)
    if candidate.second.case_id != candidate.first.case_id:
        audit.record_read(candidate.second.case)
    evidence = identity_selectors.pair_evidence(candidate)
    shared = {document.number_index for document in evidence["shared_documents"]}
    documents = [[(document, document.number_index in shared) for document in side] for side in evidence["documents"]]
    forms_shown = {}
    for action, (may, statuses, _form_class) in ACTIONS.items():
        if candidate.status in statuses and may(user, candidate):
            forms_shown[action] = bound_form if action == bound_action else _form(action, request, candidate)
    return {
        "candidate": candidate,
        "records": (candidate.first, candidate.second),
        "evidence": evidence,
        "documents": documents,
        "forms": forms_shown,
        "waiting_for_second_reviewer": (
            candidate.status == DuplicateStatus.PROPOSED and candidate.proposed_by_id == user.pk
        ),
    }
