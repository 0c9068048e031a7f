"""Errors that services raise; the API turns them into its one error shape, the admin into messages."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ServiceError(Exception):
    """A rule of the domain said no. `message` is a (lazy) translatable string."""

    status = 400
    default_code = "invalid"

    def __init__(self, message, *, field=None, code=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code or self.default_code


class NotAllowed(ServiceError):
    status = 403
    default_code = "permission_denied"


class NotFoundInScope(ServiceError):
    status = 404
    default_code = "not_found"


class Conflict(ServiceError):
    """The object changed since the caller read it; `current` is what it is now."""

    status = 409
    default_code = "conflict"

    def __init__(self, message, *, current=None, **kwargs):
        super().__init__(message, **kwargs)
        self.current = current


class TooLarge(ServiceError):
    """The input is over a size limit; the API answers 413, a form shows the message on its file field."""

    status = 413
    default_code = "too_large"


class UnsupportedFormat(ServiceError):
    """The input comes in a format this endpoint does not read."""

    status = 415
    default_code = "unsupported_media_type"


class BatchRejected(ServiceError):
    """Some rows of a batch are invalid and the caller asked for all or nothing; `summary` says which."""

    default_code = "batch_rejected"

    def __init__(self, message, *, summary, **kwargs):
        super().__init__(message, **kwargs)
        self.summary = summary


def clean_or_refuse(instance, **kwargs):
    """Run the model's full_clean; turn its first complaint into a ServiceError naming the field."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(messages[0], field=None if field == NON_FIELD_ERRORS else field) from None
