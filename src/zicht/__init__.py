"""Zicht: information system for the Dutch RIEC-LIEC network."""

__version__ = "0.1.0"
