"""The package's config folder (``model/*.yaml``), declared in the ``sfmbench.conf`` group."""
