"""The analysis that rules share: ReAct layouts, knowledge-base numbering, retrieval
contexts, majority votes over a file, token counts, and the Chinese text models
(:mod:`.text`).  Rules in :mod:`sftlint.rules` turn these results into diagnostics."""
