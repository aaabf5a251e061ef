"""Dangerous goods: declarations (CSV or JSON) and gate transactions, linked to containers and trucks."""
