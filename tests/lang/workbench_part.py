# Run by workbench_batch.py through run(), and a case of its own: a command
# that spans lines while a bracket is open, and an echoed expression.
part = [1, 2,
        3]
len(part)
