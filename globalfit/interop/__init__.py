"""Adapters to other inference frameworks (``pip install globalfit[interop]``): each module imports its framework
only when used.

- :mod:`globalfit.interop.bilby`: :class:`~globalfit.interop.bilby.BilbyLikelihood` and :func:`~globalfit.interop.bilby.bilby_priors`;
- :mod:`globalfit.interop.cobaya`: :func:`~globalfit.interop.cobaya.cobaya_likelihood` (an external likelihood class);
- :mod:`globalfit.interop.getdist`: :func:`~globalfit.interop.getdist.to_getdist`;
- :mod:`globalfit.interop.pyhf`: :func:`~globalfit.interop.pyhf.workspace` and :func:`~globalfit.interop.pyhf.patchset`
  (``globalfit export pyhf RUN --mass M``).
"""
