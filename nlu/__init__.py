"""Text in, intent and entities out. Imports nothing else of durham311."""

from nlu.engine import NLUEngine, NLUTrainer
from nlu.errors import ModelNotFoundError, NLUError, TrainingDataError
from nlu.types import Entity, IntentScore, Parse, TrainedModel

__all__ = [
    "Entity",
    "IntentScore",
    "ModelNotFoundError",
    "NLUEngine",
    "NLUError",
    "NLUTrainer",
    "Parse",
    "TrainedModel",
    "TrainingDataError",
]
