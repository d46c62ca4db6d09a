"""Reference data shipped with the shared package (read by several services; no service imports another)."""
