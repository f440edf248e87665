"""Locales, catalogs and the rendering of every answer (the Rasa NLG endpoint's core)."""
