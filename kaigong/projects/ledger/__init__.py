"""The ledger (台账): the spreadsheet the office keeps of its key projects, read in and written out.

One job per module: ``columns`` (the columns, their names and units, cell parsing), ``reader`` (a file → its
cells and header), ``checker`` (rows → plans and ``problems``, with ``validation`` and ``owners``), ``writer`` (all
the bulk SQL of an import; ``bulk`` holds what makes both fast), ``importer`` (the three steps together),
``preview`` (what the first rows will become), ``report`` (the error workbook), ``services`` / ``selectors`` /
``tasks`` (the LedgerImport record's life and reads), ``exporter`` and ``template`` (the workbooks written),
``views`` / ``urls`` / ``api`` (the interfaces). The rules a row shares with the services are in
``projects/rules.py``.
"""
