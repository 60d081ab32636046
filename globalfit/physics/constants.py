"""Physical constants, each with its source. Units: GeV (and GeV^-2 etc.) unless the name says otherwise.

Sources
-------
PDG
    R.L. Workman et al. (Particle Data Group), PTEP 2022 083C01 and the 2023 update ("PDG").
AME2020
    M. Wang et al., Chinese Phys. C 45 (2021) 030003 (atomic masses).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Fermi constant [GeV^-2] (PDG, muon lifetime).
G_F = 1.1663788e-5
#: Weak mixing angle sin^2(theta_W) in the MS-bar scheme at Q -> 0 (PDG 2022, "Electroweak model", eq. 10.13).
SIN2_THETA_W_LOW = 0.23857
#: Weak mixing angle sin^2(theta_W) MS-bar at the Z pole (PDG 2022).
SIN2_THETA_W_MZ = 0.23122
#: Fine-structure constant at Q = 0 (PDG).
ALPHA_EM = 1.0 / 137.035999084
#: Avogadro constant [1/mol] (CODATA 2018, exact).
N_AVOGADRO = 6.02214076e23
#: Atomic mass unit [GeV] (CODATA 2018: 931.49410242 MeV).
AMU = 0.93149410242
#: hbar*c [GeV fm] (CODATA 2018).
HBARC_GEV_FM = 0.1973269804
#: Conversion of a cross section in GeV^-2 to pb (hbar^2 c^2 = 0.3893793721 GeV^2 mb).
GEV2_TO_PB = 0.3893793721e9

# --- Masses [GeV], PDG -----------------------------------------------------------------------------------
M_E = 0.51099895e-3
M_MU = 0.1056583755
M_TAU = 1.77686
M_PI_CHARGED = 0.13957039
M_PI0 = 0.1349768
M_PROTON = 0.93827208816
M_NEUTRON = 0.93956542052
M_Z = 91.1876
GAMMA_Z = 2.4952
M_W = 80.377
#: Quark masses [GeV]. Light quarks: PDG MS-bar at 2 GeV; c, b: MS-bar m(m); t: direct measurements (pole).
#: They only enter the Z' partial widths through the thresholds of paper 002 eq. (1.7).
QUARK_MASSES = {
    "u": 2.16e-3,
    "d": 4.67e-3,
    "s": 93.4e-3,
    "c": 1.27,
    "b": 4.18,
    "t": 172.69,
}
LEPTON_MASSES = {"e": M_E, "mu": M_MU, "tau": M_TAU}


@dataclass(frozen=True)
class Isotope:
    """A target nucleus.

    Attributes
    ----------
    name
        Symbol with mass number, e.g. ``"Cs133"``.
    Z, N
        Proton and neutron numbers (N may be non-integer for a natural-abundance average).
    atomic_mass_u
        Atomic mass in unified atomic mass units (AME2020); for natural elements the standard atomic weight.
    """

    name: str
    Z: int
    N: float
    atomic_mass_u: float

    @property
    def A(self) -> float:
        """Mass number Z + N."""
        return self.Z + self.N

    @property
    def mass_GeV(self) -> float:
        """Nuclear mass [GeV]: atomic mass minus the electrons (electron binding energies neglected, < 1e-6)."""
        return self.atomic_mass_u * AMU - self.Z * M_E

    @property
    def molar_mass_g(self) -> float:
        """Molar mass [g/mol], numerically the atomic mass in u."""
        return self.atomic_mass_u


#: Nuclear data (AME2020 atomic masses; natural Ge and Ar from the IUPAC 2021 standard atomic weights).
ISOTOPES = {
    "Cs133": Isotope("Cs133", 55, 78, 132.905451961),
    "I127": Isotope("I127", 53, 74, 126.9044719),
    "Ar40": Isotope("Ar40", 18, 22, 39.9623831237),
    "Na23": Isotope("Na23", 11, 12, 22.9897692820),
    "Ge72": Isotope("Ge72", 32, 40, 71.922075826),
    # natural germanium: standard atomic weight 72.630; mean N taken as 72.630 - 32 (mass defect neglected)
    "Ge_nat": Isotope("Ge_nat", 32, 40.630, 72.630),
}
