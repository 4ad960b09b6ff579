"""One exception root for the editor; its pages and the users command turn these into words."""


class EditorError(Exception):
    """Root of every error the editor raises on purpose."""


class DatabaseError(EditorError):
    """The editor's database (accounts, sessions, audit) cannot be reached or refused a write."""


class Duplicate(DatabaseError):
    """A row with the same key is already there (an account name taken, for instance)."""


class AccountError(EditorError):
    """An account operation was refused; the message says why in words staff can act on."""


class EntryGone(EditorError):
    """The entry being saved was removed from the draft after its form was opened."""
