COMMENT
Exp2Syn with the Mg2+ block of ipsplib (Jahr & Stevens 1990), for validating
ipsplib's NMDA synapses against NEURON: the conductance of NEURON's Exp2Syn
(tau1 rise, tau2 decay, peak of one event = NetCon weight) times
B(V) = 1 / (1 + mg / kd * exp(-slope * v)). tests/neuron_reference.py sets mg,
kd and slope from the ipsplib Synapse and ipsplib.ions; g is the blocked
conductance, as ipsplib's Trace.g_nS.
ENDCOMMENT

NEURON {
    POINT_PROCESS Exp2NMDA
    RANGE tau1, tau2, e, i, g, mg, kd, slope
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
    (mM) = (milli/liter)
}

PARAMETER {
    tau1 = 2 (ms) <1e-9,1e9>
    tau2 = 100 (ms) <1e-9,1e9>
    e = 0 (mV)
    mg = 1 (mM)
    kd = 3.57 (mM)
    slope = 0.062 (/mV)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    factor
}

STATE {
    A (uS)
    B (uS)
}

INITIAL {
    LOCAL tp
    if (tau1/tau2 > 0.9999) {
        tau1 = 0.9999*tau2
    }
    A = 0
    B = 0
    tp = (tau1*tau2)/(tau2 - tau1) * log(tau2/tau1)
    factor = -exp(-tp/tau1) + exp(-tp/tau2)
    factor = 1/factor
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g = (B - A) / (1 + mg / kd * exp(-slope * v))
    i = g*(v - e)
}

DERIVATIVE state {
    A' = -A/tau1
    B' = -B/tau2
}

NET_RECEIVE(weight (uS)) {
    A = A + weight*factor
    B = B + weight*factor
}
