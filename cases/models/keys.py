from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.encryption import EncryptedCharField


class FieldKeyCanary(models.Model):
    """One known value, encrypted like the case data: if the configured keys cannot read it back,
    they cannot read anything (see `cases.checks`). Written by the encryption migration."""

    value = EncryptedCharField(_("value"), max_length=100)

    class Meta:
        verbose_name = _("field key canary")
        verbose_name_plural = _("field key canaries")

    def __str__(self):
        return f"canary #{self.pk}"
