"""Language-aware text: the phrase table (phrases.py) and number/date formatting (format.py)."""
