"""Checklists (一项目一清单): a project's items, their steps and clocks (clocks.py), warnings and notices."""
