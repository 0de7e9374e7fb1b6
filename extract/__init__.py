"""Acquire and read sources into raw tables and text (one reader per format, same signature)."""
