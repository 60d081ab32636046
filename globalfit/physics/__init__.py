"""Physics of a U(1)' Z' boson and of the experiments it is confronted with (units: GeV unless named)."""
