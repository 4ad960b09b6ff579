"""One exception root for the knowledge base; the edge turns it into HTTP or CLI errors."""


class KnowledgeBaseError(Exception):
    """Root of every error the knowledge base raises on purpose."""


class ContentError(KnowledgeBaseError):
    """Content failed validation; the message names the path of the first bad field."""


class StoreError(KnowledgeBaseError):
    """The content store cannot be opened or has no published content."""
