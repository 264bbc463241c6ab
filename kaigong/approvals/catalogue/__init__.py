"""The approval catalogue: matters (审批事项) and the checklist rules that pick a project's matters (written in the
condition language of approvals/rules.py). Its services and selectors edit and read them; its pages and API show
them."""
