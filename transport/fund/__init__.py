"""The travel fund: card donations through Stripe, an append-only ledger and subsidies.

A Django app of its own (label ``fund``) inside ``transport`` so that money keeps its own
models and migrations, apart from rides, while the import direction stays
``scheduler -> transport -> visits -> notifications``.
"""
