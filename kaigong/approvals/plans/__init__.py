"""Plans (一方案): a project's checklist scheduled toward groundbreaking (planning.py, the critical path), the stored
forecast, baselines and reasoned slips."""
