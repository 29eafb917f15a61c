r"""Quadratic-hinge gradient flow of a lazy (linearized) net, in function space.

With the tangent kernel frozen at initialization (``alpha = inf``), gradient descent on

.. math::

    L = \frac1{2n}\sum_i \max(0,\, 1 - y_i F(x_i))^2,\qquad y_i = \pm 1,

moves the function by ``dF = (dt/n) Theta(., X) [y o (1 - y o F(X))_+]``: ``F`` stays
``Theta(., X) c`` with ``c <- c + (dt/n) y o (1 - y o Theta(X, X) c)_+`` from ``c = 0``.
This is exactly parameter-space gradient descent of the linearized net with step
``dt`` (checked against the real net at large ``alpha`` in the tests).  The step is
``dt = n / lambda_max(Theta(X, X))`` (stable: Euler needs ``dt lambda_max / n < 2``).
The loss vanishes once every margin ``y F >= 1``; the flow approaches that set
exponentially, so the run has a fixed number of steps and reports the final
``L / L(0)`` (``L(0) = 1/2``).

Reference: Spigler, Geiger, d'Ascoli, Sagun, Biroli, Wyart arXiv 1810.09665 (the
quadratic hinge of the jamming and fluctuation papers); Geiger et al. arXiv 1901.01608.

Example:
    >>> import numpy as np
    >>> g = np.eye(3) + 0.1
    >>> f_test, ratio = hinge_flow(g, g[:1], np.array([1.0, -1.0, 1.0]), steps=200)
    >>> bool(ratio < 1e-12), bool(f_test[0] >= 1 - 1e-6)
    (True, True)
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from ._fluctuations_sizes import HINGE_STEPS as HINGE_STEPS


@partial(jax.jit, static_argnames=("steps",))
def hinge_flow(gram, gram_test, y, *, steps: int = HINGE_STEPS):
    """Run the flow; returns ``(F on the test points, final L / L(0))``.

    Leading batch axes on ``gram (..., n, n)``, ``gram_test (..., m, n)`` are allowed
    (one flow per member, one shared ``y (n,)``).
    """
    gram = jnp.asarray(gram)
    n = gram.shape[-1]
    y = jnp.broadcast_to(jnp.asarray(y, gram.dtype), gram.shape[:-1])
    lam_max = jnp.linalg.eigvalsh(gram)[..., -1]
    step = (1.0 / lam_max)[..., None]  # dt / n

    def body(_, c):
        f = jnp.einsum("...ij,...j->...i", gram, c)
        return c + step * y * jax.nn.relu(1.0 - y * f)

    c = jax.lax.fori_loop(0, steps, body, jnp.zeros(gram.shape[:-1], gram.dtype))
    margins = jax.nn.relu(1.0 - y * jnp.einsum("...ij,...j->...i", gram, c))
    ratio = jnp.sum(margins**2, axis=-1) / n  # L / L(0) with L(0) = 1/2
    return jnp.einsum("...ij,...j->...i", gram_test, c), ratio
