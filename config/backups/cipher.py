"""The backup cipher: AES-256-GCM over a stream of authenticated chunks. The only module that encrypts backups.

Layout of an encrypted file:

    header  = MAGIC (12 bytes) | VERSION (1) | salt (32) | key check (32)
    chunk*  = plaintext length (4, big-endian) | AES-GCM ciphertext and tag (length + 16)

Each archive gets its own AES key, derived with HKDF-SHA256 from PANAH_BACKUP_KEY and the archive's
random salt, so the simple counter nonces below never repeat under one key. The nonce of chunk n is
n (8 bytes) | three zero bytes | 1 for the last chunk and 0 otherwise, and every chunk authenticates
the header and its own length as associated data. So a flipped byte anywhere, chunks swapped,
dropped or repeated, and a file cut short (even at a chunk boundary: the last chunk left then was
sealed as "not last") all fail to decrypt, as does anything appended after the last chunk. The
key check (more HKDF output, which reveals nothing about the AES key) tells a wrong key apart from
a damaged file before any chunk is read. This is the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár ("Online authenticated-encryption and its nonce-reuse misuse-resistance", 2015).
"""

import base64
import binascii
import hmac
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

from config.backups.errors import BackupError

MAGIC = b"PANAH-BACKUP"
VERSION = 1
SALT_BYTES = 32
CHECK_BYTES = 32
HEADER_BYTES = len(MAGIC) + 1 + SALT_BYTES + CHECK_BYTES
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
LENGTH = struct.Struct(">I")


class BackupCipherError(BackupError):
    """The archive cannot be decrypted: wrong key, damaged, truncated or not a Panah backup."""


def parse_key(text: str) -> bytes:
    """Return the 32-byte backup key written as URL-safe base64 (how PANAH_BACKUP_KEY holds it)."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupCipherError(_("PANAH_BACKUP_KEY must be 32 random bytes in URL-safe base64 (44 characters)."))
    return key


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _derive(key: bytes, salt: bytes) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=b"panah backup v1").derive(key)
    return material[:32], material[32:]


def _nonce(counter: int, last: bool) -> bytes:
    return struct.pack(">Q", counter) + b"\x00\x00\x00" + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A binary file-like object: what is written to it reaches `sink` encrypted, in chunks.

    `close()` seals the last chunk (the end marker); without it the file does not decrypt.
    Memory use is one chunk whatever is written.
    """

    def __init__(self, sink, key: bytes):
        salt = os.urandom(SALT_BYTES)
        aes_key, check = _derive(key, salt)
        self._aead = AESGCM(aes_key)
        self._header = MAGIC + bytes([VERSION]) + salt + check
        self._sink = sink
        self._sink.write(self._header)
        self._buffer = bytearray()
        self._counter = 0
        self.closed = False

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:  # keep a remainder: the last chunk is sealed by close()
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        length = LENGTH.pack(len(plaintext))
        sealed = self._aead.encrypt(_nonce(self._counter, last), plaintext, self._header + length)
        self._sink.write(length + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self.closed = True


class DecryptingReader:
    """A binary file-like object reading the plaintext of an encrypted `source`, one chunk at a time.

    Raises BackupCipherError on a wrong key, any altered, reordered or missing chunk, a file that
    ends before its end marker, and data after it. Only authenticated plaintext is ever returned.
    """

    def __init__(self, source, key: bytes):
        self._source = source
        header = source.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
            raise BackupCipherError(_("This is not a Panah backup archive (or its header is damaged)."))
        if header[len(MAGIC)] != VERSION:
            raise BackupCipherError(_("This backup uses an unknown archive format version."))
        salt = header[len(MAGIC) + 1:len(MAGIC) + 1 + SALT_BYTES]
        aes_key, check = _derive(key, salt)
        if not hmac.compare_digest(check, header[-CHECK_BYTES:]):
            raise BackupCipherError(_("The backup key (PANAH_BACKUP_KEY) does not open this archive: "
                                      "it was made with another key, or its header is damaged."))
        self._aead = AESGCM(aes_key)
        self._header = header
        self._counter = 0
        self._buffer = b""
        self._offset = 0
        self._finished = False

    def _next_chunk(self) -> bytes:
        length = self._source.read(LENGTH.size)
        if len(length) < LENGTH.size:
            raise BackupCipherError(_("The archive is truncated: it ends before its end marker."))
        (size,) = LENGTH.unpack(length)
        if size > CHUNK_BYTES:
            raise BackupCipherError(_("The archive is damaged (chunk %(number)s).") % {"number": self._counter})
        sealed = self._source.read(size + TAG_BYTES)
        if len(sealed) < size + TAG_BYTES:
            raise BackupCipherError(_("The archive is truncated: it ends before its end marker."))
        aad = self._header + length
        for last in (False, True):
            try:
                plaintext = self._aead.decrypt(_nonce(self._counter, last), sealed, aad)
            except InvalidTag:
                continue
            self._counter += 1
            if last:
                self._finished = True
                if self._source.read(1):
                    raise BackupCipherError(_("The archive has data after its end marker."))
            return plaintext
        raise BackupCipherError(_("The archive is damaged or was altered (chunk %(number)s fails authentication).")
                                % {"number": self._counter})

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` bytes (all that is left if negative); b"" only at the authenticated end."""
        parts = []
        wanted = size
        while wanted != 0:
            if self._offset == len(self._buffer):
                if self._finished:
                    break
                self._buffer, self._offset = self._next_chunk(), 0
                continue
            end = len(self._buffer) if wanted < 0 else min(len(self._buffer), self._offset + wanted)
            parts.append(self._buffer[self._offset:end])
            if wanted > 0:
                wanted -= end - self._offset
            self._offset = end
        return b"".join(parts)

    def read_exactly(self, size: int) -> bytes:
        data = self.read(size)
        if len(data) != size:
            raise BackupCipherError(_("The archive's content ends too early."))
        return data

    def at_end(self) -> bool:
        """Whether all the plaintext has been read (reading the next chunk to know, if need be)."""
        while self._offset == len(self._buffer) and not self._finished:
            self._buffer, self._offset = self._next_chunk(), 0
        return self._offset == len(self._buffer) and self._finished
