"""Protocol library for joint research: secure aggregation and differential privacy.

Pure Python with no Django imports, so the protocols can be read, reviewed and tested as a
small crypto library in the manner of MPyC and OpenDP:

- :mod:`.field` -- the modulus and the bounds that keep every sum below it;
- :mod:`.messages` -- the share and partial-sum messages, as plain dataclasses and dicts that
  the transport (``zicht.transport``) carries end-to-end encrypted;
- :mod:`.secure_aggregation` -- additive secret sharing and the run state machine;
- :mod:`.reference` -- the plaintext computation every secure primitive is tested against;
- :mod:`.simulation` -- all parties of a run in one process, for tests and benchmarks;
- :mod:`.dp` -- differentially private noise on released totals (OpenDP);
- :mod:`.budget` -- the per-node yearly privacy-budget ledger.

The specification and threat model are in ``docs/protocols/secure-aggregation.md``.
Nothing is re-exported here, so importing the package does not load OpenDP's native library.
"""
