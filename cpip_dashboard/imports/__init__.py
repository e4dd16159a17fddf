"""The import pipeline: read -> check -> preview -> commit (one batch)."""
