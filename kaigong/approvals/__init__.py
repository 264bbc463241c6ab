"""前期手续: the approvals a project needs before groundbreaking, in four parts (each a sub-package):

- ``catalogue``: the approval matters and the checklist rules that pick a project's matters;
- ``plans``: a project's checklist scheduled toward groundbreaking (``planning.py``), forecast and baselines;
- ``checklists``: a project's items, their steps and clocks, warnings and notices;
- ``scoreboard``: how the approving departments measure against their limits.

They share what the models themselves need: the models (``models.py``), the choices (``choices.py``), the rules'
condition language (``rules.py``: the models validate a condition, the checklists apply it) and the clock arithmetic
(``clocks.py``: an item reads its clock as of today); and who may do what (``permissions.py``) and the audited list
workbook (``workbooks.py``). A part builds on the ones listed before it (a checklist step refreshes the plan's
forecast; the scoreboard reads decided items), never on one listed after it, and the shared modules never on a part.
"""
