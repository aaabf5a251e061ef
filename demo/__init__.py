"""The live demo feed for the default port: simulated traffic spoken over the real protocols."""
