"""The outside world's data: PMS connectors and sync, notification senders, outbox delivery.

`adapters` imports `engine`; it never imports `api` or `hardware`.
"""
