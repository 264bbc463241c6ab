"""The ledger (台账): the spreadsheet the office keeps of its key projects, read in and written out."""
