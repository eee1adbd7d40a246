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

    def matching(self, term, phone_regions=()):
        """Cases whose reference, a person's name in any script, a document number or a phone matches.

        A phone typed without a +country prefix is tried in each of `phone_regions`.
        """
        from cases import phones
        from cases.models import IdentityDocument, Person, PersonPhone
        from cases.text import fold_for_search, normalise_document_number

        term = term.strip()
        if not term:
            return self
        condition = models.Q(reference__iexact=term)
        words = fold_for_search(term).split()
        if words:
            # Every word must occur in the same person's names, in any order and any script.
            people = Person.objects.filter(case=models.OuterRef("pk"))
            for word in words:
                people = people.filter(search_names__contains=word)
            condition |= models.Exists(people)
        number = normalise_document_number(term)
        if number:
            condition |= models.Exists(
                IdentityDocument.objects.filter(person__case=models.OuterRef("pk"), number_normalised=number)
            )
        numbers = phones.search_candidates(term, phone_regions)
        if numbers:
            condition |= models.Exists(
                PersonPhone.objects.filter(person__case=models.OuterRef("pk"), number__in=numbers)
            )
        return self.filter(condition)
