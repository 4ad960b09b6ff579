"""Errors of the edge itself. Core errors keep their own roots and are mapped here."""


class SkillError(Exception):
    """Root of the edge's own errors."""


class SettingsError(SkillError):
    """A setting is missing or malformed; the message names it."""


class BadRequest(SkillError):
    """The request is not what the endpoint accepts; the message says what is wrong."""


class Forbidden(SkillError):
    """The request is well formed but not for this service (wrong skill ID, wrong token)."""
