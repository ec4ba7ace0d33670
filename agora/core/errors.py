"""Domain errors: they carry the Spanish message that views and the API show as it is."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A use case refused: nothing was written."""


class PermissionDeniedError(DomainError):
    """The actor may not do this."""
