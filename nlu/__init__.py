"""Text in, intent and entities out. Imports nothing else of durham311."""

from nlu.engine import NLUEngine
from nlu.errors import ModelNotFoundError, NLUError, TrainingDataError
from nlu.types import Entity, IntentScore, Parse

__all__ = [
    "Entity",
    "IntentScore",
    "ModelNotFoundError",
    "NLUEngine",
    "NLUError",
    "Parse",
    "TrainingDataError",
]
