"""Adapters to other inference frameworks (``pip install globalfit[interop]``): importing a module imports its
framework; ``import globalfit.interop`` imports none.

Parameters are the physical names of :func:`globalfit.likelihood` (``gprime``, ``mass_GeV`` in GeV, nuisances
``<dataset>.<name>``), priors those of the run config.

- :mod:`globalfit.interop.bilby`: :func:`~globalfit.interop.bilby.likelihood_and_priors`, a
  :class:`~globalfit.interop.bilby.BilbyLikelihood` and :func:`~globalfit.interop.bilby.bilby_priors` (LogUniform,
  Uniform, (Truncated)Gaussian, DeltaFunction);
- :mod:`globalfit.interop.cobaya`: :func:`~globalfit.interop.cobaya.cobaya_likelihood` (an external likelihood class)
  and :func:`~globalfit.interop.cobaya.cobaya_info` (its ``info`` dict with params and priors; nuisances named
  ``<dataset>__<name>``);
- :mod:`globalfit.interop.getdist`: :func:`~globalfit.interop.getdist.to_getdist` (``MCSamples`` of a run result or
  folder, nested-sampling weights, LaTeX labels with units);
- :mod:`globalfit.interop.pyhf`: :func:`~globalfit.interop.pyhf.workspace` and :func:`~globalfit.interop.pyhf.patchset`
  (``globalfit export pyhf RUN --mass M``), :func:`~globalfit.interop.pyhf.region_workspace` (one inclusive region).
"""
