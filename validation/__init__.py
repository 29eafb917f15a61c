"""Numeric validation layer (JAX): train one-hidden-layer nets, solve infinite-width limits.

Library code here never changes ``jax.config`` at import; entry points enable x64.
"""
