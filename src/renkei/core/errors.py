"""One error hierarchy for every component; the web and CLI layers map it once (CONVENTIONS §12)."""

from __future__ import annotations


class RenkeiError(Exception):
    """Base of every domain error. `message` is shown to people; keep it Japanese-first where staff read it."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.record = record
        self.field = field

    def __str__(self) -> str:
        parts = []
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        where = f"[{', '.join(parts)}] " if parts else ""
        return f"{where}{self.message}"

    def as_dict(self) -> dict[str, str | None]:
        return {"error": self.code, "message": self.message, "record": self.record, "field": self.field}


class Invalid(RenkeiError):
    """Bad input: names the record and field that failed and why."""

    status_code = 422
    code = "invalid"


class NotFound(RenkeiError):
    status_code = 404
    code = "not_found"


class Conflict(RenkeiError):
    """The request contradicts what is already stored (duplicate key, wrong state)."""

    status_code = 409
    code = "conflict"


class Forbidden(RenkeiError):
    status_code = 403
    code = "forbidden"


class Refused(Forbidden):
    """A refusal that is itself a record: `session_scope` commits what was flushed before it was raised.

    Raise it right after recording the refusal and before any other write (番号法 refusals must be kept).
    """

    code = "refused"


class Unauthenticated(RenkeiError):
    status_code = 401
    code = "unauthenticated"


class Unavailable(RenkeiError):
    """A peer node or service could not be reached; the caller may retry."""

    status_code = 503
    code = "unavailable"


class BatchRejected(Invalid):
    """A whole batch was refused because some rows were bad; `errors` lists every bad row."""

    def __init__(self, message: str, errors: list[Invalid]) -> None:
        super().__init__(message)
        self.errors = errors

    def __str__(self) -> str:
        lines = [self.message, *(f"  {e}" for e in self.errors[:50])]
        if len(self.errors) > 50:
            lines.append(f"  … and {len(self.errors) - 50} more")
        return "\n".join(lines)
