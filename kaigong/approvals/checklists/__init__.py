"""Checklists (一项目一清单): a project's items, their steps and clocks (approvals/clocks.py), warnings and notices."""
