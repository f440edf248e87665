"""Custom NLU for Wegwijs: normalisation, language identification, tokenization."""
