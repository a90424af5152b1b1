"""Locks: protocol, transport, driver and fleet.

A lock library: it imports nothing else of unitgate.
"""
