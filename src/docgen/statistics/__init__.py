"""The annual enforcement statistics (行政执法统计年报), computed from the signed record.

The pipeline, one module per step: ``records.py`` (the snapshot's values) ←
``collect.py`` (read from storage) → ``figures.py`` (the figure registry: each
figure a named computation returning its value and the documents it counts) →
``annual.py`` (one year, checked) → ``workbook.py`` (XLSX) and ``report.py``
(PDF/A with charts, ``charts.py``).
"""
