"""Checking uploads by their content, never their name, and stripping image metadata."""

import hashlib
import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# Magic bytes -> (content type, extension). Only what caseworkers actually attach: scans and
# photos of documents, and PDFs. Anything else is refused rather than guessed at.
_SIGNATURES = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
]
_PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}
# A phone photo of a document is 12-50 megapixels; refuse decompression bombs well before
# Pillow's own limit (which only warns up to twice its size) could exhaust the worker.
MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    storage_name: str
    content_type: str
    size: int
    sha256: str
    content: ContentFile


def inspect_upload(upload) -> CheckedUpload:
    """Validate size and type of `upload`; re-encode images so no EXIF or GPS data is kept."""
    limit = settings.PANAH_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    data = upload.read()
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    detected = next(((ct, ext) for sig, ct, ext in _SIGNATURES if data.startswith(sig)), None)
    if detected is None:
        raise ValidationError(
            _("Only PDF files and PNG or JPEG images can be attached."), code="unsupported_type",
        )
    content_type, extension = detected
    if content_type in _PILLOW_FORMATS:
        data = _without_metadata(data, _PILLOW_FORMATS[content_type])
    original_name = (upload.name or "").rsplit("/", 1)[-1][:200] or f"upload.{extension}"
    return CheckedUpload(
        original_name=original_name,
        storage_name=f"{uuid.uuid4().hex}.{extension}",
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=ContentFile(data),
    )


def _without_metadata(data: bytes, pillow_format: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("The image is too large to process."), code="too_many_pixels")
            image.load()
            # A fresh image from the pixels alone: EXIF, GPS, XMP and text chunks stay behind.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            if image.mode == "P" and image.getpalette():
                clean.putpalette(image.getpalette())
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The image could not be read. It may be damaged."), code="bad_image") from error
    out = io.BytesIO()
    clean.save(out, format=pillow_format, **({"quality": 90} if pillow_format == "JPEG" else {}))
    return out.getvalue()
