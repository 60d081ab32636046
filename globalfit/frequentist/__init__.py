"""Frequentist cross-checks from the same compiled likelihood graphs, split by concern:

- :mod:`~globalfit.frequentist.profile`: chi^2 profiled over the nuisances and Delta chi^2 upper limits;
- :mod:`~globalfit.frequentist.cls`: CLs limits of counting datasets (paper 000);
- :mod:`~globalfit.frequentist.bayes`: the Bayesian credible limit at fixed mass, nuisances marginalised;
- :mod:`~globalfit.frequentist.scan`: the mass grid through the executor, returning a
  :class:`~globalfit.results.LimitsResult` (``globalfit.limits``).

Importing this package is cheap (numpy only); scipy, PyTensor and pandas are imported by the functions.
"""

from globalfit.frequentist.bayes import CredibleLimit, credible_upper_limit
from globalfit.frequentist.cls import best_cls_region, cls_limit, combined_cls_limit
from globalfit.frequentist.profile import profile_chi2, upper_crossing
from globalfit.frequentist.scan import coupling_range, limits, scan_mass, width_bound_rows

__all__ = ["CredibleLimit", "best_cls_region", "cls_limit", "combined_cls_limit", "coupling_range",
           "credible_upper_limit", "limits", "profile_chi2", "scan_mass", "upper_crossing", "width_bound_rows"]
