"""A reader for LHAPDF6 ``lhagrid1`` member files with log-bicubic interpolation.

The grid stores x f(x, Q) on knots in x and Q (GeV). We interpolate x f with cubic splines in (log x, log Q),
as LHAPDF does (in log Q^2, equivalent up to a factor), and clamp outside the grid (no extrapolation). The project
uses the grid only to *generate* its signal tables; fits never read it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.errors import DataError

PIDS = (-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 21, 22)


class GridPDF:
    """Parton distributions from one LHAPDF6 member file.

    Parameters
    ----------
    path
        The ``*_0000.dat`` member file.
    """

    def __init__(self, path: str | Path):
        from scipy.interpolate import RectBivariateSpline

        path = Path(path)
        if not path.is_file():
            raise DataError(f"PDF grid {path} does not exist")
        lines = [ln for ln in path.read_text().splitlines()]
        try:
            start = lines.index("---") + 1
            x = np.array(lines[start].split(), dtype=float)
            q = np.array(lines[start + 1].split(), dtype=float)
            pids = [int(v) for v in lines[start + 2].split()]
            vals = np.array(" ".join(lines[start + 3:start + 3 + len(x) * len(q)]).split(), dtype=float)
        except (ValueError, IndexError) as exc:
            raise DataError(f"{path} is not an LHAPDF6 lhagrid1 file: {exc}") from None
        vals = vals.reshape(len(x), len(q), len(pids))
        self.x, self.q = x, q
        self.logx, self.logq = np.log(x), np.log(q)
        self._splines = {pid: RectBivariateSpline(self.logx, self.logq, vals[:, :, i], kx=3, ky=3)
                         for i, pid in enumerate(pids)}

    def xfx(self, pid: int, x: np.ndarray, q: np.ndarray) -> np.ndarray:
        """x f(x, Q) for parton ``pid`` (PDG id, 21 = gluon) at arrays x, Q [GeV] (broadcast), clamped to the grid."""
        lx = np.clip(np.log(x), self.logx[0], self.logx[-1])
        lq = np.clip(np.log(q), self.logq[0], self.logq[-1])
        lx, lq = np.broadcast_arrays(lx, lq)
        out = self._splines[pid](lx.ravel(), lq.ravel(), grid=False).reshape(lx.shape)
        return np.where(np.asarray(x) < 1.0, np.maximum(out, 0.0), 0.0)

    def f(self, pid: int, x: np.ndarray, q: np.ndarray) -> np.ndarray:
        """f(x, Q) = xfx / x."""
        return self.xfx(pid, x, q) / x
