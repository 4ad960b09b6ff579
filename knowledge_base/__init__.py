"""Content staff's answers: the content model, the revision store and the lookups.

Imports nothing else of durham311.
"""

from knowledge_base.errors import ContentError, KnowledgeBaseError, StoreError
from knowledge_base.lookups import Collection, KnowledgeBase
from knowledge_base.model import Content
from knowledge_base.store import SAMPLE_CONTENT, ContentStore

__all__ = [
    "SAMPLE_CONTENT",
    "Collection",
    "Content",
    "ContentError",
    "ContentStore",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "StoreError",
]
