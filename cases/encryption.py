"""Field-level encryption at rest: the one module that imports `cryptography` for stored values
(the other is the backup archive's cipher, config/backups/cipher.py, a streaming AEAD of its own key).

What it protects: a database dump, a backup or a copied media folder reveals no document
number, phone, address, relative in China, narrative or attachment, and (the reports app) no
declaration, specific need, uploaded exhibit or generated PDF. What it does not: an
attacker running as the application holds the keys too (disk and backup encryption still
matter).

Keys are the application's own, never derived from SECRET_KEY, so either can be rotated alone:

- `PANAH_FIELD_KEYS`: comma-separated Fernet keys (AES-128-CBC + HMAC-SHA256). The first encrypts;
  all of them decrypt, so a new key is put in front, `manage.py rotate_field_keys` re-encrypts
  everything with it, and then the old key is removed.
- `PANAH_BLIND_INDEX_KEY`: the HMAC-SHA256 key of the blind indexes, which make exact lookups
  of document and phone numbers possible without storing them readable.

A value that the configured keys cannot decrypt raises `EncryptionKeyError`: it is never handed
on as if the ciphertext were the data (and so never encrypted a second time by a later save).
The system check and the health endpoint (`key_problems`) say so before a person meets it.
Empty strings stay empty: they hold nothing, and constraints compare with '' (a referral's
override reason). Encrypted columns support no lookups but `isnull` and `= ''`.

Why not django-fernet-encrypted-fields (stack.md): it derives its keys from SECRET_KEY, and on a
wrong key its `to_python` swallows `InvalidToken` and returns the ciphertext as the value, the two
things this module exists to prevent; closing both means overriding every method it has.
"""

import base64
import hashlib
import hmac
import json
import os
import tempfile
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.lookups import Exact

from cases.text import normalise_document_number

# Every Fernet token starts with its version byte 0x80, "gAAAAA" in base64.
_TOKEN_PREFIX = "gAAAAA"
# Stored files start with this marker, then the raw (not base64) Fernet token.
FILE_MAGIC = b"PANAH-ENC1\n"
CANARY_TEXT = "panah-field-key-canary"


class EncryptionKeyError(Exception):
    """Stored data cannot be decrypted with the configured keys (an operator fault, not bad input).

    The message names where (model and field, or a file's storage name), never the value.
    """

    def __init__(self, where: str):
        super().__init__(f"{where}: cannot be decrypted with the configured PANAH_FIELD_KEYS")
        self.where = where


# --- Keys -------------------------------------------------------------------------------------


def _configured_keys() -> tuple[str, ...]:
    keys = settings.PANAH_FIELD_KEYS
    if isinstance(keys, str):
        keys = [key.strip() for key in keys.split(",") if key.strip()]
    return tuple(keys)


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise EncryptionKeyError("PANAH_FIELD_KEYS (empty)")
    try:
        fernets = [Fernet(key.encode()) for key in keys]
    except (ValueError, TypeError):
        raise EncryptionKeyError("PANAH_FIELD_KEYS (not valid Fernet keys)") from None
    return MultiFernet(fernets), fernets[0]


def _multi() -> MultiFernet:
    return _fernets(_configured_keys())[0]


def _current() -> Fernet:
    return _fernets(_configured_keys())[1]


def generate_key() -> str:
    """A new random key for PANAH_FIELD_KEYS."""
    return Fernet.generate_key().decode()


# --- Values -----------------------------------------------------------------------------------


def _is_our_token(text: str) -> bool:
    if not text.startswith(_TOKEN_PREFIX):
        return False
    try:
        _multi().decrypt(text.encode())
    except InvalidToken:
        return False
    return True


def encrypt_text(plain: str) -> str:
    """A Fernet token for `plain`, under the current key."""
    if _is_our_token(plain):
        # Only a bug can get here (ciphertext handed back as data); storing it would double-encrypt.
        raise ValueError("refusing to encrypt a value that is already encrypted")
    return _multi().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str, *, where: str) -> str:
    try:
        return _multi().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise EncryptionKeyError(where) from None


def is_current(token: str) -> bool:
    """Whether `token` is encrypted under the current (first) key."""
    try:
        _current().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def rotate_text(token: str, *, where: str) -> str:
    """`token` re-encrypted under the current key (decrypting with any configured key)."""
    try:
        return _multi().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise EncryptionKeyError(where) from None


def encrypt_bytes(plain: bytes) -> bytes:
    return FILE_MAGIC + base64.urlsafe_b64decode(_multi().encrypt(plain))


def decrypt_bytes(stored: bytes, *, where: str) -> bytes:
    """The plaintext of a stored file. A file without the marker was stored before encryption
    (or copied in by hand) and is returned as it is; `rotate_field_keys` encrypts such files."""
    if not stored.startswith(FILE_MAGIC):
        return stored
    try:
        return _multi().decrypt(base64.urlsafe_b64encode(stored[len(FILE_MAGIC):]))
    except (InvalidToken, ValueError):
        raise EncryptionKeyError(where) from None


# --- Blind indexes ----------------------------------------------------------------------------


def _document_key(raw: str) -> str:
    raw = raw.strip()
    return normalise_document_number(raw) or raw.upper()


_NORMALISERS = {
    # Upper-case, without spaces, dashes, dots or slashes (as cases.text normalises for search).
    "document": _document_key,
    # Phones are stored in E.164 already (cases.phones).
    "phone": str.strip,
}


def blind_index(kind: str, raw: str) -> str:
    """HMAC-SHA256 of the normalised `raw` under PANAH_BLIND_INDEX_KEY, '' for an empty value.

    The kind is part of the message, so a phone and a document with the same digits do not
    share an index value.
    """
    normalised = _NORMALISERS[kind](raw or "")
    if not normalised:
        return ""
    key = settings.PANAH_BLIND_INDEX_KEY
    if not key:
        raise EncryptionKeyError("PANAH_BLIND_INDEX_KEY (empty)")
    return hmac.new(key.encode(), f"{kind}\x00{normalised}".encode(), hashlib.sha256).hexdigest()


# --- Model fields -----------------------------------------------------------------------------


class _OnlyEmptyExact(Exact):
    """`= ''` works (empty values are stored empty); any other value would be encrypted with a
    fresh IV and match nothing, silently. Say so instead."""

    def get_prep_lookup(self):
        if not hasattr(self.rhs, "resolve_expression") and self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.target.model._meta.label}.{self.lhs.target.name} is encrypted: it can only be "
                "compared with '' (use its blind index for exact lookups)"
            )
        return super().get_prep_lookup()


class EncryptedFieldMixin:
    """Stored as a Fernet token in a text column; read back decrypted, or `EncryptionKeyError`."""

    encrypted = True
    _ALLOWED_LOOKUPS = {"exact", "isnull"}

    def get_internal_type(self):
        return "TextField"  # a token is longer than any max_length, which stays for forms and validation

    def get_lookup(self, lookup_name):
        if lookup_name not in self._ALLOWED_LOOKUPS:
            return None
        if lookup_name == "exact":
            return _OnlyEmptyExact
        return super().get_lookup(lookup_name)

    def where(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def serialise(self, value) -> str:
        return str(value)

    def deserialise(self, text: str):
        return text

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(self.serialise(value))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self.deserialise(decrypt_text(value, where=self.where()))


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A one-line text (a number, a name, a place); `max_length` checks the plaintext."""


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """A narrative; `max_length`, if given, checks the plaintext in forms."""


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """A JSON document (a dict or list), stored encrypted as a whole."""

    _ALLOWED_LOOKUPS = {"isnull"}

    def serialise(self, value) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)

    def deserialise(self, text: str):
        return json.loads(text)

    def get_prep_value(self, value):
        return value  # not TextField's str(): the value is a dict or list

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return encrypt_text(self.serialise(value))

    def to_python(self, value):
        # A serialised copy (loaddata, a backup) may carry the JSON as text.
        return json.loads(value) if isinstance(value, str) else value

    def value_to_string(self, obj):
        return self.value_from_object(obj)  # as JSONField: the serialiser writes the object itself

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


class BlindIndexField(models.CharField):
    """HMAC of the normalised value of the encrypted field `source`, filled on every save."""

    def __init__(self, *args, source, kind, **kwargs):
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        for key, default in (("max_length", 64), ("editable", False), ("blank", True), ("db_index", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def index_of(self, raw: str) -> str:
        return blind_index(self.kind, raw)

    def pre_save(self, model_instance, add):
        value = self.index_of(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model) -> list:
    return [field for field in model._meta.concrete_fields if getattr(field, "encrypted", False)]


def encrypted_file_fields(model) -> list:
    return [field for field in model._meta.concrete_fields
            if isinstance(field, models.FileField) and isinstance(field.storage, EncryptedFileSystemStorage)]


# --- Files ------------------------------------------------------------------------------------


class EncryptedFileSystemStorage(FileSystemStorage):
    """MEDIA_ROOT, with every file encrypted on save and decrypted on open.

    Every reader (the download views, the upload verification task, packet assembly copying
    exhibits into the renderer's work folder) reads through `open`, so they all get the plaintext
    from here; `.path` leads to ciphertext. A recorded SHA-256 is always the plaintext's. Files
    are read whole: uploads are limited to PANAH_MAX_UPLOAD_BYTES.
    """

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = b"".join(content.chunks()) if hasattr(content, "chunks") else content.read()
        return super()._save(name, ContentFile(encrypt_bytes(data)))

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            return super()._open(name, mode)  # raw access, for maintenance only
        with super()._open(name, "rb") as raw:
            stored = raw.read()
        return ContentFile(decrypt_bytes(stored, where=f"file {name}"), name=name)

    def read_raw(self, name) -> bytes:
        with super()._open(name, "rb") as raw:
            return raw.read()

    def write_raw(self, name, data: bytes) -> None:
        """Replace a stored file's bytes as they are (migrations and key rotation only)."""
        self._replace(name, data)

    def rotate(self, name) -> str:
        """Re-encrypt one stored file under the current key: 'rotated', 'encrypted' (it was
        plaintext), 'current' (nothing to do) or 'missing'."""
        try:
            stored = self.read_raw(name)
        except FileNotFoundError:
            return "missing"
        if stored.startswith(FILE_MAGIC):
            token = base64.urlsafe_b64encode(stored[len(FILE_MAGIC):])
            if is_current(token.decode("ascii")):
                return "current"
            outcome, plain = "rotated", decrypt_bytes(stored, where=f"file {name}")
        else:
            outcome, plain = "encrypted", stored
        self.write_raw(name, encrypt_bytes(plain))
        return outcome

    def _replace(self, name, data: bytes) -> None:
        path = self.path(name)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".rotate-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, path)  # atomic: a reader sees the old file or the new one
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
