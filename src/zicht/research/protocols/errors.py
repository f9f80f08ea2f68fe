"""Exceptions of the research protocols.

Each carries a short ``code`` for the audit entry the Django layer writes, so a rejection or a
failed run is recorded with the same word wherever it is raised. The hierarchy separates what
the caller does next:

- :class:`InvalidInputError` / :class:`InvalidParametersError`: a programming or
  configuration error; nothing was sent.
- :class:`MessageRejectedError`: one incoming message is not acceptable (stale, misaddressed,
  malformed, conflicting); the rest of the run is unaffected unless the message is needed.
- :class:`SharingIncompleteError`: the share phase cannot end; restart the run without the
  missing nodes (:func:`~zicht.research.protocols.secure_aggregation.restart_without`).
- :class:`RunFailedError`: the run ends with no release. Never catch this to publish what is left.
"""


class ProtocolError(Exception):
    """Base class of every error raised by the research protocols."""

    code = "protocol_error"


class InvalidInputError(ProtocolError, ValueError):
    """A table or vector handed to the protocol is not acceptable (type, range, length)."""

    code = "invalid_input"


class InvalidParametersError(ProtocolError, ValueError):
    """Protocol parameters (modulus, bounds, participants, identifiers) are not acceptable."""

    code = "invalid_parameters"


class PhaseError(ProtocolError):
    """The run is not in a phase that allows this step."""

    code = "wrong_phase"


class MessageRejectedError(ProtocolError):
    """An incoming message is malformed, misaddressed or from a party not in the run."""

    code = "message_rejected"


class StaleMessageError(MessageRejectedError):
    """A message belongs to another run or another epoch of this run."""

    code = "stale_message"


class ConflictingDuplicateError(MessageRejectedError):
    """Two messages claim the same slot (run, epoch, sender) but carry different content.

    An honest sender resends the same share it stored, never a fresh one: mixing two different
    sharings of one table would silently corrupt the sum, so this is refused loudly.
    """

    code = "conflicting_duplicate"


class SharingIncompleteError(ProtocolError):
    """Some participants did not complete the share phase; the run must restart without them."""

    code = "sharing_incomplete"

    def __init__(self, missing: frozenset[str]) -> None:
        self.missing = missing
        super().__init__(f"no shares from: {', '.join(sorted(missing))}")


class RunFailedError(ProtocolError):
    """The run ends without a result. Nothing may be released."""

    code = "run_failed"


class TooFewParticipantsError(RunFailedError):
    """Fewer participants than the protocol's minimum: one region's table would be exposed."""

    code = "too_few_participants"


class MissingPartialSumsError(RunFailedError):
    """A participant's partial sum did not arrive after the share phase ended."""

    code = "missing_partial_sums"

    def __init__(self, missing: frozenset[str]) -> None:
        self.missing = missing
        super().__init__(f"no partial sum from: {', '.join(sorted(missing))}; no release")


class InconsistentAggregateError(RunFailedError):
    """The partial sums do not add up to a possible total: a share or partial was corrupted."""

    code = "inconsistent_aggregate"


class BudgetError(ProtocolError):
    """A privacy-budget charge is not acceptable."""

    code = "budget_error"


class BudgetExceededError(BudgetError):
    """The charge would take the node over its yearly epsilon: the run must not take place."""

    code = "budget_exceeded"


class ConflictingChargeError(BudgetError):
    """The run was already charged with a different epsilon."""

    code = "conflicting_charge"
