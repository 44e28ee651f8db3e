"""The ingest stage: raw files → cleaned, split, tagged and segmented :class:`~drafter.models.Plan` s.

Modules, in pipeline order: :mod:`load` (encodings, docx), :mod:`clean` (web boilerplate,
scraping artifacts, broken lines), :mod:`split` (one file → plans), :mod:`normalize`
(OpenCC, punctuation), :mod:`tag` (unit, kind, year + evidence), :mod:`segment` (heading
tree), labels from :mod:`drafter.domain.taxonomy`, and :mod:`pipeline`, which runs them.
"""
