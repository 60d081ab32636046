"""LHC signal predictions at leading order: parton distributions and partonic cross sections (units: GeV, pb)."""
