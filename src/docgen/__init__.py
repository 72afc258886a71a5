"""docgen: schema-validated JSON to versioned enforcement instruments to archival PDF.

The pipeline, one module per step:
catalogue → validation → rendering → conversion → numbering/issuance → storage → api/cli.
"""
