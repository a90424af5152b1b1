"""unitgate's domain: unit lifecycle, access policy, persistence, audit log and clock.

`engine` imports nothing from `adapters`, `hardware` or `api`.
"""
