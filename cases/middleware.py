"""Request middleware of the case-file app."""

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, but "from where" trusts X-Forwarded-For only as far as our own proxies.

    auditlog takes the first X-Forwarded-For entry, which any client can write. Here the
    address is REMOTE_ADDR, or, behind PANAH_TRUSTED_PROXIES reverse proxies, the entry that the
    outermost trusted proxy appended.
    """

    @staticmethod
    def _get_remote_addr(request):
        proxies = settings.PANAH_TRUSTED_PROXIES
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if proxies and len(forwarded) >= proxies:
            return forwarded[-proxies]
        return request.META.get("REMOTE_ADDR")

    @staticmethod
    def _get_remote_port(request):
        return None  # a forwarded port is as forgeable as a forwarded address, and not needed
