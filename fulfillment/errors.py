"""One exception root for fulfillment; the edge turns it into HTTP or CLI errors."""


class FulfillmentError(Exception):
    """Root of every error the dialog layer raises on purpose."""


class SessionStoreError(FulfillmentError):
    """Session state could not be read or written (for example, Redis is unreachable)."""


class OutboxError(FulfillmentError):
    """The outbox could not store or read a submission (disk, database or Redis failed)."""
