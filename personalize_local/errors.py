"""The service's errors, as exceptions carrying the modeled error code."""
from __future__ import annotations


class ServiceError(Exception):
    """An error the service models: its code travels as ``__type``."""

    code: str = "ServiceError"
    # None: the HTTP status comes from the service model's error shape.
    status: int | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputException(ServiceError):
    code = "InvalidInputException"


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"

    @classmethod
    def for_arn(cls, arn: str) -> "ResourceNotFoundException":
        return cls(f"Resource Arn {arn} does not exist.")


class ResourceAlreadyExistsException(ServiceError):
    code = "ResourceAlreadyExistsException"

    @classmethod
    def for_arn(cls, arn: str) -> "ResourceAlreadyExistsException":
        return cls(f"Resource Arn {arn} already exists.")


class ResourceInUseException(ServiceError):
    code = "ResourceInUseException"


class LimitExceededException(ServiceError):
    code = "LimitExceededException"


class ThrottlingException(ServiceError):
    """Too many calls: an error common to every AWS API, which no service model lists."""

    code = "ThrottlingException"
    # botocore's legacy retry rule for it matches the code on a 400; its standard mode, the code alone.
    status = 400


class InvalidNextTokenException(ServiceError):
    code = "InvalidNextTokenException"


class TooManyTagsException(ServiceError):
    code = "TooManyTagsException"


class TooManyTagKeysException(ServiceError):
    code = "TooManyTagKeysException"


class SerializationException(ServiceError):
    """A request body that can't be read as the protocol's JSON: not JSON, not an object, or nested too deep."""

    code = "SerializationException"
    status = 400


class UnknownOperationException(ServiceError):
    """A request for the service that names no operation of it (an unknown ``X-Amz-Target``, method or path)."""

    code = "UnknownOperationException"
    status = 400


class NotYetSupportedException(ServiceError):
    """An operation the model defines that this emulator does not serve yet."""

    code = "NotYetSupportedException"
    status = 501


class InternalFailure(ServiceError):
    """Something broke inside the emulator: never the caller's fault."""

    code = "InternalFailure"
    # Not the service's 500: botocore retries 500, 502, 503, 504 (and 429, 509), so a bug would
    # be repeated with back-off. An unregistered 5xx still reads as a server error (RFC 9110, 15).
    status = 520
