"""The department scoreboard (向全国最短时限看齐): the board's computation (board.py), its page, workbook and API."""
