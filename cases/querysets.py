"""Filter vocabulary for cases. Never takes a user: who may see what is `selectors.visible_cases`."""

from django.db import models

from cases.choices import CaseStatus

CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.RESETTLED, CaseStatus.DEPARTED)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def in_country(self, country_code):
        return self.filter(host_country=country_code)

    def assigned_to(self, user):
        """Cases on which `user` is an assigned caseworker (a fact, not an access decision)."""
        from cases.models import CaseAssignment

        return self.filter(
            models.Exists(CaseAssignment.objects.filter(case=models.OuterRef("pk"), user=user))
        )

    def matching(self, term):
        """Cases whose reference, a person's name in any script, a document number or a phone matches."""
        from cases import phones
        from cases.models import IdentityDocument, Person, PersonPhone
        from cases.text import fold_for_search, normalise_document_number

        term = term.strip()
        if not term:
            return self
        condition = models.Q(reference__iexact=term)
        folded = fold_for_search(term)
        if folded:
            condition |= models.Exists(
                Person.objects.filter(case=models.OuterRef("pk"), search_names__contains=folded)
            )
        number = normalise_document_number(term)
        if number:
            condition |= models.Exists(
                IdentityDocument.objects.filter(person__case=models.OuterRef("pk"), number_normalised=number)
            )
        e164 = phones.to_e164_or_none(term)
        if e164:
            condition |= models.Exists(
                PersonPhone.objects.filter(person__case=models.OuterRef("pk"), number=e164)
            )
        return self.filter(condition)
