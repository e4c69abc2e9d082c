"""Training and evaluation on linted data (heavy imports only inside the ``train`` extra)."""
