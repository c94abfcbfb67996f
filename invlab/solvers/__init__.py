"""Classical variational solvers for :math:`\\min_x \\tfrac12\\|Ax - y\\|^2 + \\lambda R(x)`.

Introduced in lecture 1. Each solver is a plain function whose loop body is the update
equation of the slides. The iterative ones share one call shape::

    x, history = solver(A, y, reg, lam, n_iter=..., x0=None, x_true=None,
                        keep_every=None, callback=None, **own_step_parameters)

``history`` is a dict of lists: ``"objective"`` (:math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)`
after every iteration), ``"psnr"`` when ``x_true`` is given, and ``"x"`` (with ``"x_iter"``,
the iteration numbers) holding every ``keep_every``-th iterate. ``callback(k, x)`` is called
after iteration ``k`` (1-based); returning ``True`` stops the iterations.

Circulant problems (:class:`~invlab.operators.Blur` or :class:`~invlab.operators.Identity`
with a circulant regulariser) are solved exactly in Fourier, which is what makes
:func:`tikhonov` (~1 ms) and TV deblurring by :func:`admm` fast enough for a live slider.

The package: :mod:`._common` (checks, history, Fourier eigenvalues), :mod:`.linear` (``cg``, ``tikhonov``, ``least_squares``) and :mod:`.first_order`
(``gradient_descent``, ``ista``, ``fista``, ``admm``, ``pdhg``); lectures 2-3b: :mod:`.learned` (``pnp``, ``csgm``)
and :mod:`.dip` (``dip``).
"""
from ._common import objective
from .first_order import admm, fista, gradient_descent, ista, pdhg
from .linear import cg, least_squares, tikhonov
from .learned import csgm, pnp
from .dip import dip

__all__ = ["tikhonov", "least_squares", "cg", "gradient_descent", "ista", "fista", "admm", "pdhg",
           "objective", "pnp", "csgm", "dip"]
