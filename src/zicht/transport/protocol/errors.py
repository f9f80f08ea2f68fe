"""Exceptions of the transport protocol.

Each carries a short ``code`` that the hub writes into its audit entry and the tests assert
on, so a rejection is recorded with the same word wherever it is raised.
"""


class ProtocolError(Exception):
    """Something about a request, response or envelope is not acceptable."""

    code = "protocol_error"


class MalformedError(ProtocolError):
    """A header, key or field does not have the required form."""

    code = "malformed"


class BadSignatureError(ProtocolError):
    """A signature does not verify against the key it claims."""

    code = "bad_signature"


class ClockSkewError(ProtocolError):
    """The request's timestamp is further from our clock than the allowed window."""

    code = "clock_skew"


class EnvelopeError(ProtocolError):
    """An end-to-end envelope cannot be opened or does not match its outer metadata."""

    code = "bad_envelope"


class DecryptionError(EnvelopeError):
    """The ciphertext does not authenticate for this recipient key and that sender key."""

    code = "decryption_failed"


class EnvelopeMismatchError(EnvelopeError):
    """The authenticated inner metadata differs from what the hub said about the message."""

    code = "envelope_mismatch"


class PayloadTooLargeError(ProtocolError):
    """The serialised payload exceeds the protocol's size limit."""

    code = "payload_too_large"


class KeystoreError(ProtocolError):
    """Sealed private keys cannot be opened with any of the storage keys we have."""

    code = "keystore"
