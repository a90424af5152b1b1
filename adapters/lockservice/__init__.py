"""Keypad lock services: the HTTP client implementing `engine.codes.LockService`, and a
simulated service (`adapters.lockservice.sim`)."""
