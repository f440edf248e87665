"""Wegwijs: the City of Amsterdam's multilingual assistant for status holders."""
