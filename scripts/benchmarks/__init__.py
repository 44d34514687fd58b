"""The benchmark (`kb bench`) and its synthetic data; not part of the runtime package kb."""
