"""(registered through register(registry))."""
