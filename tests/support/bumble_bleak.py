"""The tests' bleak backend over bumble (kept with the simulator: the gateway uses it too)."""

from hardware.sim.bleak_backend import BumbleBleakClient, BumbleDetails, bumble_device

__all__ = ["BumbleBleakClient", "BumbleDetails", "bumble_device"]
