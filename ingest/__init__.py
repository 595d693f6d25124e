"""Ingestion: load source files, segment them into citable passages."""
