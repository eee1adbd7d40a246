class BackupError(Exception):
    """A backup cannot be made, checked or restored; the message says why and names no record or person."""
