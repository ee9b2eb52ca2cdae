"""Travel fund models (donations, ledger entries, subsidies) arrive with the fund work."""
