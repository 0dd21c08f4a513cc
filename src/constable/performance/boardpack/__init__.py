"""The quarterly board pack: ``constable board-pack --plan FILE --quarter 2017Q3 --out DIR``.

Small modules, one job each: :mod:`.papers` (the five papers and which measure goes where),
:mod:`.data` (district breakdowns and Home Office tables, shared with the pages),
:mod:`.assemble` (every figure, table, chart and statement as data), :mod:`.suppress` (what a
public pack withholds), :mod:`.charts` (SVG), :mod:`.render` (HTML from Jinja templates),
:mod:`.pdf` (WeasyPrint), :mod:`.csvfile` (``figures.csv``), :mod:`.build` (written whole or
not at all) and :mod:`.cli`. docs/board-pack.md describes the pack.
"""
