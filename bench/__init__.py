"""Benchmarks: each ``bench/<topic>.py`` runs alone (``python -m bench.<topic>``) and prints figures."""
