"""Synthetic data for a regional register (issue 7, part 8): ``zicht generate_demo_data``.

- :mod:`.profiles` — the calibration tables (form mix, sectors, nationalities, reporters…);
- :mod:`.names`, :mod:`.fakeids` — names, addresses and identifiers that pass validation;
- :mod:`.overlap` — entities planted in two or three regions, a function of the seed alone;
- :mod:`.generator` — the register as plain records, a pure function of its input;
- :mod:`.writer` — stores it through the register's services and writes the ground truth.

Everything but the writer is free of Django, so the generator can be tested and used by a
benchmark without a database. See ``docs/demo-data.md``.
"""
