"""Training and evaluation on linted data (heavy imports only inside the ``train`` extra)."""

#: What ``sftlint export --to`` writes (here, not in ``export``, so building the CLI parser
#: imports nothing: every ``sftlint check`` builds it).
EXPORT_FORMATS = ("messages", "sharegpt", "alpaca", "prompt-completion")
