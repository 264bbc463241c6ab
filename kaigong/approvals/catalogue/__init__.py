"""The approval catalogue: matters (审批事项) and the checklist rules that pick a project's matters (rules.py, the
condition language). Its services and selectors edit and read them; its pages and API views show them."""
