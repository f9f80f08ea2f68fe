"""The hub-node transport protocol as a small library, free of Django.

- :mod:`.keys`: key pairs, key ids and fingerprints, sealing private keys at rest;
- :mod:`.signing`: canonical signed requests (node to hub) and responses (hub to node);
- :mod:`.envelope`: end-to-end encrypted envelopes between nodes;
- :mod:`.errors`: what goes wrong, each with a short code for the audit log.

The specification, with its threat model (an honest-but-curious hub that sees metadata), is
``docs/protocols/transport.md``. All cryptography is libsodium through PyNaCl, plus HKDF from
``cryptography``; nothing here implements a primitive.
"""
