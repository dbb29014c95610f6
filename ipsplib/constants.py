"""Physical constants and standard ion concentrations, each with its source.

Concentrations are in mM. Where a textbook gives a range, the table holds the
value the book uses by default and the range in a comment. The textbook
concentrations were taken from the tables as quoted in the project's reference
notes; they have not yet been re-checked against the printed pages, so the book
calls them typical values and cites the textbooks.

References
----------
.. [CODATA] Tiesinga et al. (2021), CODATA recommended values of the
   fundamental physical constants: 2018. Rev Mod Phys 93:025010.
.. [Purves] Purves et al., Neuroscience, Table 2.1 (ion concentrations in a
   mammalian neuron and the squid giant axon).
.. [Kandel] Kandel et al., Principles of Neural Science, Table 6-1 (squid).
.. [Kaila1994] Kaila (1994), Ionic basis of GABA_A receptor channel function
   in the nervous system. Prog Neurobiol 42:489-537.
"""

from __future__ import annotations

#: Faraday constant, C/mol [CODATA].
FARADAY_C_PER_MOL = 96485.33212
#: Molar gas constant, J/(mol K) [CODATA].
GAS_CONSTANT_J_PER_MOL_K = 8.314462618
#: 0 °C in kelvin.
ZERO_CELSIUS_K = 273.15

#: Valence of each ion the book uses.
VALENCE = {"K": 1, "Na": 1, "Cl": -1, "HCO3": -1, "Ca": 2}

#: Mammalian neuron, [Purves] Table 2.1. Ranges: Na in 5-15, Cl in 4-30,
#: Ca out 1-2; HCO3 12-16 in, 24-26 out [Kaila1994].
MAMMALIAN_IN_MM = {"K": 140.0, "Na": 10.0, "Cl": 7.0, "HCO3": 16.0, "Ca": 0.0001}
MAMMALIAN_OUT_MM = {"K": 5.0, "Na": 145.0, "Cl": 110.0, "HCO3": 26.0, "Ca": 2.0}

#: Squid giant axon, [Kandel] Table 6-1 (Cl in 52 mM; Purves gives 40-150).
SQUID_IN_MM = {"K": 400.0, "Na": 50.0, "Cl": 52.0}
SQUID_OUT_MM = {"K": 20.0, "Na": 440.0, "Cl": 560.0}

#: Extracellular Cl- in slice saline (ACSF) and in most models, mM. Purves'
#: 110 mM is the in vivo textbook value; E_Cl differs by several mV.
CL_OUT_ACSF_MM = 130.0
