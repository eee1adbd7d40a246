"""The plaintext inside a backup: named parts, each a stream of length-prefixed blocks.

    part  = header length (4) | header JSON {"kind": "database" | "media" | "manifest", "name": ...}
            | block* | 0 (4)
    block = length (4, not 0) | bytes

Parts are written as they are produced, so neither side ever holds a whole table or file. The
manifest is the last part: it lists the SHA-256 of every other part, known only once they are written.
"""

import hashlib
import json
import struct

from django.utils.translation import gettext as _

from config.backups.cipher import BackupCipherError

LENGTH = struct.Struct(">I")
BLOCK_BYTES = 64 * 1024
MAX_HEADER_BYTES = 64 * 1024


class PartWriter:
    """A binary file-like object for one part's content; counts and hashes what passes through."""

    def __init__(self, sink):
        self._sink = sink
        self._buffer = bytearray()
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        self._buffer += data
        if len(self._buffer) >= BLOCK_BYTES:
            self._flush()
        return len(data)

    def _flush(self):
        if self._buffer:
            self._sink.write(LENGTH.pack(len(self._buffer)) + bytes(self._buffer))
            self._buffer.clear()

    def close(self):
        self._flush()
        self._sink.write(LENGTH.pack(0))

    def summary(self) -> dict:
        return {"sha256": self.sha256.hexdigest(), "bytes": self.size}


class TextPartWriter:
    """The text face of a PartWriter (Django's serialisers write str)."""

    def __init__(self, part: PartWriter):
        self._part = part

    def write(self, text: str) -> int:
        self._part.write(text.encode("utf-8"))
        return len(text)


def start_part(sink, kind: str, name: str) -> PartWriter:
    header = json.dumps({"kind": kind, "name": name}).encode("utf-8")
    sink.write(LENGTH.pack(len(header)) + header)
    return PartWriter(sink)


class PartReader:
    """A binary file-like object over one part's blocks; hashes what it reads.

    The part must be read to its end (`drain`) before the next one starts.
    """

    def __init__(self, source, kind: str, name: str):
        self._source = source
        self.kind = kind
        self.name = name
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._block = b""
        self._offset = 0
        self.done = False

    def _next_block(self) -> bool:
        (length,) = LENGTH.unpack(self._source.read_exactly(LENGTH.size))
        if length == 0:
            self.done = True
            return False
        self._block, self._offset = self._source.read_exactly(length), 0
        self.sha256.update(self._block)
        self.size += length
        return True

    def read(self, size: int = -1) -> bytes:
        parts = []
        while size != 0:
            if self._offset == len(self._block) and (self.done or not self._next_block()):
                break
            end = len(self._block) if size < 0 else min(len(self._block), self._offset + size)
            parts.append(self._block[self._offset:end])
            if size > 0:
                size -= end - self._offset
            self._offset = end
        return b"".join(parts)

    def blocks(self):
        """Yield the rest of the part block by block."""
        if self._offset < len(self._block):
            yield self._block[self._offset:]
            self._offset = len(self._block)
        while not self.done and self._next_block():
            self._offset = len(self._block)
            yield self._block

    def lines(self):
        """Yield the rest of the part as lines of text (database parts are JSON Lines)."""
        pending = b""
        for block in self.blocks():
            pending += block
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line.decode("utf-8")
        if pending:
            yield pending.decode("utf-8")

    def drain(self):
        for _block in self.blocks():
            pass

    def summary(self) -> dict:
        return {"sha256": self.sha256.hexdigest(), "bytes": self.size}

    def seekable(self):
        return False


def parts(source):
    """Yield a PartReader for each part of a decrypted archive, in order, up to its authenticated end."""
    while not source.at_end():
        (length,) = LENGTH.unpack(source.read_exactly(LENGTH.size))
        if length > MAX_HEADER_BYTES:
            raise BackupCipherError(_("The archive's content is malformed."))
        try:
            header = json.loads(source.read_exactly(length))
            kind, name = header["kind"], header["name"]
        except (ValueError, KeyError, TypeError) as error:
            raise BackupCipherError(_("The archive's content is malformed.")) from error
        part = PartReader(source, kind, name)
        yield part
        part.drain()
