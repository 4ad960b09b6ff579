"""One exception root for the NLU layer; the edge turns it into HTTP or CLI errors."""


class NLUError(Exception):
    """Root of every error the NLU layer raises on purpose."""


class TrainingDataError(NLUError):
    """A training or evaluation file is not valid Rasa NLU YAML of the shape we accept."""


class ModelNotFoundError(NLUError):
    """No trained model where one was expected; the message says how to train one."""


class RasaUnavailableError(NLUError):
    """A Rasa environment, model or server could not be set up or reached; the message says why."""
