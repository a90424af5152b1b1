"""Locks: protocol, transport, driver and fleet. A lock library that imports nothing else of unitgate."""
