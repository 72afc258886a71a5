"""Authoring of the DOCX templates: shared blocks and one module per group of instruments."""
