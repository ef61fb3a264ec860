"""Language: phrase tables, number formatting and the user-text cleaner."""
