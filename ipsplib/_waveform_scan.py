"""Conductances of many synapses on the time grid: one blocked scan over all waveform terms at once.

Internal: `grid_conductances` (through `ipsplib.synapses._grid_conductances`)
gives whole rows; `BlockScan` fills them a slice at a time (`ipsplib._passive`).

Every waveform term of a synapse (see `Synapse.waveform_terms`) is
``coef (s/tau)^p e^{-s/tau}`` = ``coef p! h_p(s/tau)`` with ``h_q(x) = x^q/q! e^{-x}``.
Summed over events, the terms h_0..h_p of one time constant form a small
linear system (a *chain*): without new events, over k steps of d = dt/tau,

    h_q(x + k d) = e^{-k d} sum_{j<=q} (k d)^j / j! h_{q-j}(x).

Each (time constant, power, output row) is one chain, each h_q of a chain one
*component*. The grid is cut into blocks of B steps (`block_steps`), and the
work splits into four vectorised steps, none of which loops over time:

1. the state of every component at every block start, from the events of
   the earlier blocks: a scan over blocks (`_scan_blocks`), a few passes over
   an array of (components x blocks);
2. the value (or step integral) inside each block carried from that state:
   one matrix product per output row, (blocks x components) @ (components x
   steps in a block), whatever the number of time constants;
3. the events inside their own block: each adds its kernel from its offset
   to the end of the block (a gather, summed per block with ``bincount``);
4. for the step integrals, the part of the step that follows each event
   (added to those in-block parts).

`BlockScan.prepare` does steps 1, 3 and 4; `BlockScan.fill` does step 2 and
adds the parts for any run of blocks. It can also give the running integral
of one row (its kernels summed along the block, plus the row's total at each
block start), which spares the caller a cumulative sum over the steps.

The cost grows with the number of steps times the number of components (in
the matrix product, the fastest numpy operation) plus the number of events
times the block length; there is one set of array operations for all time
constants, not one per time constant.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

# Kernel tables each remembered `Components` keeps (per dt, integral or not, block length).
KERNEL_CACHE_SIZE = 8
# Bounds of the steps per block (`block_steps`).
MIN_BLOCK_STEPS, MAX_BLOCK_STEPS = 16, 128
# An onset within this fraction of a step of a grid point counts as on it.
ON_GRID_TOLERANCE = 1e-9
# Largest |log| of the factors one closed-form chunk of `decaying_scan` spans: e^600 ~ 4e260 < 1.8e308.
MAX_LOG_SPAN = 600.0
# Values per run of `prefix_sum`: 16 multiply-adds per value (8 and 16 fastest here, 64 no faster than np.cumsum).
PREFIX_RUN = 16
_RUN_SUMS = np.triu(np.ones((PREFIX_RUN, PREFIX_RUN)))  # x @ _RUN_SUMS: the running sums along each row of x
# Multiply-adds per matrix product below which OpenBLAS stays on one thread (see `_matmul_one_thread`).
MATMUL_SLICE_MACS = 200_000
# n! for the powers of the near-alpha series (at most ~20 terms).
FACTORIAL = np.array([float(math.factorial(n)) for n in range(60)])


@dataclass(frozen=True)
class Events:
    """Every event that falls inside the trace: its input, grid bin and lag.

    Bin j holds the events in (t_{j-1}, t_j]; ``lag_ms = t_j - onset``, in [0, dt).
    """

    input_index: np.ndarray
    bin_index: np.ndarray
    lag_ms: np.ndarray

    @classmethod
    def from_inputs(cls, inputs, n_steps: int, dt_ms: float) -> Events:
        """The events of ``inputs`` (pairs of (Synapse, checked onsets_ms)) on the grid of ``n_steps`` steps.

        Examples
        --------
        >>> from ipsplib.synapses import ampa
        >>> ev = Events.from_inputs([(ampa(), np.array([0.01, 0.05, 9.0]))], n_steps=4, dt_ms=0.025)
        >>> ev.bin_index, ev.lag_ms.round(3)
        (array([1, 2]), array([0.015, 0.   ]))
        """
        counts = [np.size(onsets) for _, onsets in inputs]
        onsets = np.concatenate([np.ravel(onsets) for _, onsets in inputs]) if inputs else np.zeros(0)
        input_index = np.repeat(np.arange(len(inputs)), counts)
        bins = np.ceil(onsets / dt_ms - ON_GRID_TOLERANCE).astype(int)
        inside = bins <= n_steps
        bins = bins[inside]
        return cls(input_index[inside], bins, bins * dt_ms - onsets[inside])


@dataclass(frozen=True)
class Components:
    """The state components h_q of every chain (time constant, power, output row), consecutive within a chain.

    Per component: ``tau_ms``, ``order`` q, ``power`` p of its chain and output ``row``;
    per (input, term, row) pair with a nonzero weight: its input, weighted coefficient
    (nS) and the component of its chain's h_0 (``first``); its h_q is ``first + q``.
    """

    tau_ms: np.ndarray
    order: np.ndarray
    power: np.ndarray
    row: np.ndarray
    pair_input: np.ndarray
    pair_coef_nS: np.ndarray
    pair_first: np.ndarray
    _kernel_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_inputs(cls, inputs, weights: np.ndarray) -> Components:
        """Components for the rows sum_k weights[r, k] g_k of the inputs' conductances.

        Examples
        --------
        >>> from ipsplib.synapses import Synapse
        >>> single = Synapse(1.0, 0.0, 2.0, 0.0)
        >>> comp = Components.from_inputs([(single, None), (single, None)], np.array([[1.0, 1.0], [0.0, -70.0]]))
        >>> comp.tau_ms, comp.row, comp.pair_first, comp.pair_coef_nS
        (array([2., 2.]), array([0, 1]), array([0, 0, 1]), array([  1.,   1., -70.]))
        """
        term_input, term_coef, term_tau, term_power = [], [], [], []
        for k, (syn, _) in enumerate(inputs):
            for coef, tau, power in _waveform_terms(syn):
                term_input.append(k)
                term_coef.append(coef)
                term_tau.append(tau)
                term_power.append(power)
        term_input = np.array(term_input, dtype=int)
        weighted = weights[:, term_input] * np.array(term_coef)  # (rows, terms)
        pair_row, pair_term = np.nonzero(weighted)
        # One integer key per (tau, power, row), sorted by tau, power, row (1-D unique: fast).
        taus, tau_id = np.unique(np.array(term_tau)[pair_term], return_inverse=True)
        powers = np.array(term_power, dtype=int)[pair_term]
        n_powers, n_rows = int(powers.max(initial=0)) + 1, weights.shape[0]
        chains, pair_chain = np.unique((tau_id * n_powers + powers) * n_rows + pair_row, return_inverse=True)
        chain_tau_id, chain_row = np.divmod(chains, n_rows)
        chain_tau_id, chain_power = np.divmod(chain_tau_id, n_powers)
        per_chain = chain_power + 1
        chain_first = np.cumsum(per_chain) - per_chain
        chain_of_component = np.repeat(np.arange(chains.size), per_chain)
        order = np.arange(per_chain.sum()) - np.repeat(chain_first, per_chain)
        return cls(
            tau_ms=taus[chain_tau_id[chain_of_component]],
            order=order,
            power=chain_power[chain_of_component],
            row=chain_row[chain_of_component],
            pair_input=term_input[pair_term],
            pair_coef_nS=weighted[pair_row, pair_term],
            pair_first=chain_first[pair_chain.ravel()],
        )

    @staticmethod
    def of_synapses(synapses: tuple, weights: np.ndarray) -> Components:
        """`from_inputs` for these synapses, remembered (with its kernels) for the next call with the same ones.

        The components depend on the synapses and weights alone, not on the event times: like
        NEURON's model, built once for a cell and run on many inputs. Synapses whose fields
        cannot be hashed are not remembered.
        """
        weights = np.ascontiguousarray(weights, dtype=float)
        try:
            return _components_cached(synapses, weights.tobytes(), weights.shape)
        except TypeError:
            return Components.from_inputs([(syn, None) for syn in synapses], weights)

    def kernels(self, dt_ms: float, integral: bool, block: int) -> np.ndarray:
        """`_kernels` of these components, remembered per (dt, integral, block) for the components' lifetime."""
        key = (dt_ms, integral, block)
        cache = self._kernel_cache
        if key not in cache:
            if len(cache) >= KERNEL_CACHE_SIZE:
                cache.clear()
            cache[key] = _kernels(self, dt_ms, integral, block)
            cache[key].flags.writeable = False
        return cache[key]


@functools.lru_cache(maxsize=64)
def _components_cached(synapses: tuple, weights_bytes: bytes, shape: tuple) -> Components:
    weights = np.frombuffer(weights_bytes).reshape(shape)
    comp = Components.from_inputs([(syn, None) for syn in synapses], weights)
    for array in vars(comp).values():
        if isinstance(array, np.ndarray):
            array.flags.writeable = False  # shared by every later call: must not change
    return comp


@functools.lru_cache(maxsize=1024)
def _cached_terms(syn) -> tuple:
    return tuple(syn.waveform_terms())


def _waveform_terms(syn) -> tuple:
    """``syn.waveform_terms()``, remembered per synapse: a synapse is immutable, and used in many calls."""
    try:
        return _cached_terms(syn)
    except TypeError:  # a field that cannot be hashed (an array): compute it afresh
        return tuple(syn.waveform_terms())


def chain_propagator(power: int, order: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Factor of h_{q-j} in h_q after a time delta (in units of tau): e^{-delta} delta^j / j!, shape (power+1, ...).

    Row j of the result is for the shift j = 0..power; delta broadcasts. Entries with j > q are 0.

    Examples
    --------
    >>> chain_propagator(1, np.array([0, 1]), np.array([0.5, 0.5])).round(4)
    array([[0.6065, 0.6065],
           [0.    , 0.3033]])
    """
    decay = np.exp(-delta)
    factors = [decay * delta**j / math.factorial(j) * (order >= j) for j in range(power + 1)]
    return np.array(factors)


def lower_gamma_regularised(order: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(order, x) = 1 - e^{-x} sum_{j<order} x^j / j! for integer orders >= 1, elementwise, without cancellation.

    For order 1 it is -expm1(-x); for x < 1 the tail e^{-x} sum_{j>=order} x^j / j! of the series.

    Examples
    --------
    >>> lower_gamma_regularised(np.array([1, 2]), np.array([1e-10, 1e-5])).tolist()  # doctest: +ELLIPSIS
    [9.99999999...e-11, 4.99996666...e-11]
    """
    order, x = np.broadcast_arrays(np.asarray(order, dtype=int), np.asarray(x, dtype=float))
    result = -np.expm1(-x)
    higher = order > 1
    if not higher.any():
        return result
    o, xs = order[higher], x[higher]
    # Tail series for x < 1: the terms x^j/j! fall by at least x/j; 30 terms reach far below 1e-17.
    term = np.exp(-xs) * xs**o / FACTORIAL[o]  # the term j = o, then j = o + 1, ...
    tail = np.zeros_like(xs)
    for j in range(o.min(), o.max() + 30):
        tail += np.where(j >= o, term, 0.0)
        term = np.where(j >= o, term * xs / (j + 1), term)
    head = np.ones_like(xs)
    term = np.ones_like(xs)
    for j in range(1, o.max()):
        term = term * xs / j
        head += np.where(j < o, term, 0.0)
    result[higher] = np.where(xs < 1.0, tail, 1.0 - np.exp(-xs) * head)
    return result


def block_steps(n_steps: int, n_components: int, n_event_components: int) -> int:
    """Steps per block B: the power of 2 nearest sqrt(steps x components / event components), within bounds.

    The block-start states cost about steps x components / B (memory and the scan),
    the events inside their own block event components x B; B balances the two
    (checked against fixed B = 16..128 on the four traces of benchmarks/bench_neuron.py).

    Examples
    --------
    >>> block_steps(40_000, 6, 220), block_steps(40_000, 150, 1823), block_steps(40_000, 6, 5200)
    (32, 64, 16)
    """
    balanced = math.sqrt(n_steps * n_components / max(1, n_event_components))
    return min(MAX_BLOCK_STEPS, max(MIN_BLOCK_STEPS, 2 ** round(math.log2(max(balanced, 1.0)))))


def _kernels(comp: Components, dt_ms: float, integral: bool, block: int) -> np.ndarray:
    """What one unit of each component at a grid point gives k = 0..block-1 steps later, shape (comps, block).

    Values: the grid value k steps later, p! e^{-kd} (kd)^{p-q} / (p-q)!. Integrals: the integral
    over step k after it, p! tau sum_{m>=q} P(p-m+1, d) e^{-kd} (kd)^{m-q} / (m-q)!.
    """
    d = dt_ms / comp.tau_ms
    kd = np.arange(block)[None, :] * d[:, None]
    decay = np.exp(-kd)
    factorial_p = FACTORIAL[comp.power][:, None]
    if not integral:
        shift = comp.power - comp.order
        return factorial_p * decay * kd ** shift[:, None] / FACTORIAL[shift][:, None]
    kernel = np.zeros_like(kd)
    for j in range(int(comp.power.max()) + 1):
        m = comp.order + j  # the power whose h_m collects h_q after the shift j
        present = m <= comp.power
        weight = np.where(present, lower_gamma_regularised(np.maximum(comp.power - m + 1, 1), d), 0.0)
        kernel += weight[:, None] * decay * kd**j / math.factorial(j)
    return factorial_p * comp.tau_ms[:, None] * kernel


def prefix_sum(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The cumulative sum of ``x`` along its last axis into ``out`` (C-contiguous, not overlapping ``x``).

    Each run of PREFIX_RUN values is summed by one product with a triangular matrix of
    ones, then adds the total of the runs before it: measured here, half the time of
    np.cumsum on 8192 values (28 against 16 µs), whose loop adds one value at a time.
    A 1-D tail shorter than a run, or rows not a whole number of runs, use np.cumsum.

    Examples
    --------
    >>> prefix_sum(np.arange(1.0, 21.0), np.empty(20))[[0, 1, 15, 16, 19]]
    array([  1.,   3., 136., 153., 210.])
    """
    n = x.shape[-1]
    whole = n - n % PREFIX_RUN if x.ndim == 1 else (n if n % PREFIX_RUN == 0 else 0)
    if whole:
        runs = out[..., :whole].reshape(*x.shape[:-1], whole // PREFIX_RUN, PREFIX_RUN)
        np.matmul(x[..., :whole].reshape(runs.shape), _RUN_SUMS, out=runs)
        runs[..., 1:, :] += np.cumsum(runs[..., :-1, -1], axis=-1)[..., None]
    if whole < n:
        np.cumsum(x[..., whole:], axis=-1, out=out[..., whole:])
        if whole:
            out[whole:] += out[whole - 1]
    return out


def decaying_scan(rate: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """Solve y[:, n] = e^{-rate} y[:, n-1] + drive[:, n] (y[:, -1] = 0), one decay rate >= 0 per row.

    Closed form on chunks of m columns, with rate m <= MAX_LOG_SPAN, all chunks at
    once: from zero inside each chunk, y[n] = e^{-rate n} cumsum(drive e^{rate n});
    then what each chunk carries into the next (a scan over the chunks, by doubling)
    decays into it as e^{-rate (n + 1)}. No Python loop runs over the chunks.

    Examples
    --------
    >>> decaying_scan(np.array([np.log(2.0), 0.0]), np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]))
    array([[1.  , 0.5 , 1.25],
           [1.  , 2.  , 3.  ]])
    """
    rows, n = drive.shape
    fastest = float(rate.max()) if rows else 0.0
    chunk = n if fastest * n <= MAX_LOG_SPAN else int(MAX_LOG_SPAN / fastest)
    if chunk <= 1:
        return _doubling_scan(rate, drive)
    if chunk >= PREFIX_RUN:  # whole runs of `prefix_sum` (the zero padding past n is harmless)
        chunk = min(-(-n // PREFIX_RUN), chunk // PREFIX_RUN) * PREFIX_RUN
    n_chunks = -(-n // chunk)
    steps_rate = rate[:, None] * np.arange(chunk + 1)
    growth, decay = np.exp(steps_rate[:, :-1]), np.exp(-steps_rate)
    y = np.zeros((rows, n_chunks, chunk))
    y.reshape(rows, -1)[:, :n] = drive
    y *= growth[:, None, :]
    y = prefix_sum(y, np.empty_like(y))
    y *= decay[:, None, :-1]
    if n_chunks > 1:
        chunk_ends = _doubling_scan(rate * chunk, y[:, :, -1])  # the true y at the end of each chunk
        y[:, 1:] += chunk_ends[:, :-1, None] * decay[:, None, 1:]
    drive[...] = y.reshape(rows, -1)[:, :n]
    return drive


def _doubling_scan(rate: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """`decaying_scan` by doubling passes: after the pass with shift s, y[n] sums drive[n-2s+1..n]."""
    y = drive.copy()
    shift = 1
    while shift < y.shape[1]:
        y[:, shift:] += np.exp(-rate * shift)[:, None] * y[:, :-shift]
        shift *= 2
    return y


def _scan_blocks(comp: Components, injected: np.ndarray, block_delta: np.ndarray) -> np.ndarray:
    """State at each block start, X[:, b] = M X[:, b-1] + injected[:, b].

    ``block_delta`` is B dt / tau per component; M propagates a chain over one block.
    Single exponentials (every chain of power 0): `decaying_scan`. Chains: doubling
    (Hillis-Steele) passes, after the pass with shift s X[:, b] holds the
    contributions of blocks b-2s+1..b; components whose propagator has underflowed drop out.
    """
    if not comp.power.any():
        return decaying_scan(block_delta, injected)  # in place
    state = injected.copy()
    n_blocks = state.shape[1]
    max_power = int(comp.power.max()) if comp.power.size else 0
    shift = 1
    while shift < n_blocks:
        factors = chain_propagator(max_power, comp.order, block_delta * shift)
        live = factors[0] > 0
        if not live.any():
            break
        earlier = state[:, :-shift].copy()
        state[live, shift:] += factors[0][live, None] * earlier[live]
        for j in range(1, max_power + 1):
            target = comp.order >= j
            state[target, shift:] += factors[j][target, None] * earlier[np.flatnonzero(target) - j]
        shift *= 2
    return state


def grid_conductances(inputs, n_steps: int, dt_ms: float, weights: np.ndarray, integral: bool) -> np.ndarray:
    """Rows sum_k weights[r, k] g_k on the grid (``integral`` False, shape (rows, n_steps+1)), or over each step.

    With ``integral`` the result is the exact integral of each row over each step,
    nS ms, shape (rows, n_steps). Onsets may fall between grid points; an onset on a
    grid point counts as just before it (the grid value includes the event).

    Examples
    --------
    >>> from ipsplib.synapses import Synapse
    >>> single = Synapse(1.0, 0.0, 2.0, 0.0)
    >>> grid_conductances([(single, np.array([0.0]))], 2, 0.5, np.ones((1, 1)), integral=False).round(4)
    array([[1.    , 0.7788, 0.6065]])
    >>> grid_conductances([(single, np.array([0.0]))], 2, 0.5, np.ones((1, 1)), integral=True).round(4)
    array([[0.4424, 0.3445]])
    """
    length = n_steps if integral else n_steps + 1
    scan = BlockScan.prepare(inputs, n_steps, dt_ms, weights, integral)
    if scan is None:
        return np.zeros((weights.shape[0], length))
    result = np.empty((scan.n_rows, scan.n_blocks, scan.steps_per_block))
    scan.fill(0, scan.n_blocks, result)
    return result.reshape(scan.n_rows, -1)[:, :length]


@dataclass(frozen=True)
class BlockScan:
    """A prepared scan (steps 1, 3 and 4 of the module's recipe done) that fills any run of blocks on demand.

    A caller that needs the conductances only slice by slice (`ipsplib._passive`) fills
    one slice of blocks at a time into a small buffer that it reuses: no array of the
    whole trace is made. Fresh arrays larger than about 128 kB come from ``mmap``, and
    every 4 kB page of them costs a page fault when first written (2-7 µs on this
    machine), so a few 40,000-step temporaries cost more than the arithmetic on them.

    Output rows: the ``n_rows`` rows of the weights, then, with ``cumulative_row`` r,
    one more: the integral of row r from the start of the filled run to the end of
    each step (so a caller needs no cumulative sum over the steps).

    Per output row: ``row_state`` (blocks x its components, the block-start states)
    and ``row_kernels`` (its components x B), or None for a row without components.
    ``part_key`` (block x rows + row, sorted) and ``part`` (keys x B): what the events
    add inside their own block, including (integrals) the rest of the step an event
    falls in. ``block_start_nS_ms``: the cumulative row's value at each block start.
    """

    n_rows: int
    steps_per_block: int
    n_blocks: int
    row_state: tuple
    row_kernels: tuple
    part_key: np.ndarray
    part: np.ndarray
    block_start_nS_ms: np.ndarray | None

    @property
    def n_out(self) -> int:
        """Rows that `fill` writes: the weights' rows, plus the cumulative row if any."""
        return len(self.row_state)

    @classmethod
    def prepare(
        cls, inputs, n_steps: int, dt_ms: float, weights: np.ndarray, integral: bool, cumulative_row: int | None = None
    ) -> BlockScan | None:
        """The scan of ``grid_conductances``' arguments, or None if every row is 0 throughout.

        ``cumulative_row`` (with ``integral``) adds the running integral of that row as a last output row.

        Examples
        --------
        >>> from ipsplib.synapses import Synapse
        >>> single = [(Synapse(1.0, 0.0, 2.0, 0.0), np.array([0.0]))]
        >>> scan = BlockScan.prepare(single, 40, 0.5, np.ones((1, 1)), integral=False)
        >>> scan.steps_per_block, scan.n_blocks
        (16, 3)
        >>> scan.fill(1, 2, np.empty((1, 1, 16)))[0, 0, :2].round(4)      # g at t = 8 and 8.5 ms
        array([0.0183, 0.0143])
        >>> running = BlockScan.prepare(single, 40, 0.5, np.ones((1, 1)), integral=True, cumulative_row=0)
        >>> running.fill(0, 1, np.empty((2, 1, 16)))[:, 0, :2].round(4)  # per step, and from t = 0
        array([[0.4424, 0.3445],
               [0.4424, 0.7869]])
        """
        n_rows = weights.shape[0]
        if not inputs or not weights.any():
            return None
        events = Events.from_inputs(inputs, n_steps, dt_ms)
        comp = Components.of_synapses(tuple(syn for syn, _ in inputs), weights)
        if comp.tau_ms.size == 0 or events.bin_index.size == 0:
            return None
        n_out = n_rows + (cumulative_row is not None)
        component, bins, coef, lag_over_tau, amplitude = _event_components(comp, events)
        steps_per_block = block_steps(n_steps, comp.tau_ms.size, component.size)
        n_blocks = -(-(n_steps + 1) // steps_per_block)
        kernels = comp.kernels(dt_ms, integral, steps_per_block)
        block, offset = np.divmod(bins, steps_per_block)
        # 1. State at every block start from the events of earlier blocks.
        injected = _injection_at_next_block(comp, component, amplitude, block, offset, n_blocks, dt_ms, steps_per_block)
        state = _scan_blocks(comp, injected, steps_per_block * dt_ms / comp.tau_ms)
        # Per row, its components' states as (blocks x components): one matrix product fills a run of blocks.
        row_state, row_kernels = [], []
        for r in range(n_rows):
            mine = comp.row == r
            row_state.append(np.ascontiguousarray(state[mine].T) if mine.any() else None)
            row_kernels.append(kernels[mine] if mine.any() else None)
        # 3. Each event inside its own block, from its offset on; 4. (integrals) the rest of its step.
        remainders = _step_remainders(comp, component, bins, coef, lag_over_tau) if integral else None
        part_key, part = _own_block_parts(
            kernels, comp.row[component], n_out, amplitude, block, offset, component, remainders
        )
        block_start = None
        if cumulative_row is not None:
            kernels_r = row_kernels[cumulative_row]
            row_state.append(row_state[cumulative_row])
            row_kernels.append(None if kernels_r is None else np.cumsum(kernels_r, axis=1))
            part_key, part, block_start = _running_integral(
                part_key, part, row_state[-1], row_kernels[-1], cumulative_row, n_out, n_blocks
            )
        return cls(n_rows, steps_per_block, n_blocks, tuple(row_state), tuple(row_kernels), part_key, part, block_start)

    def fill(self, first_block: int, stop_block: int, out: np.ndarray) -> np.ndarray:
        """Blocks first_block..stop_block-1 of every output row into ``out`` (rows x blocks x B); returns it."""
        n_out = self.n_out
        # 2. Carried from the block-start states: one matrix product per row.
        for r in range(n_out):
            if self.row_state[r] is None:
                out[r] = 0.0
            else:
                _matmul_one_thread(self.row_state[r][first_block:stop_block], self.row_kernels[r], out=out[r])
        lo, hi = np.searchsorted(self.part_key, (first_block * n_out, stop_block * n_out))
        block, row = np.divmod(self.part_key[lo:hi], n_out)
        out[row, block - first_block] += self.part[lo:hi]  # one entry per (row, block): no repeats
        if self.block_start_nS_ms is not None:
            start = self.block_start_nS_ms
            out[-1] += (start[first_block:stop_block] - start[first_block])[:, None]
        return out


def _step_remainders(comp, component, bins, coef, lag_over_tau):
    """The integral over the rest of step j-1 after each event of bin j >= 1: p! tau P(p+1, lag/tau) of its h_0.

    Returns the indices of those event components (each event's h_0) and the integrals, nS ms.
    """
    lead = np.flatnonzero((comp.order[component] == 0) & (bins >= 1))
    first = component[lead]
    power = comp.power[first]
    remainder = FACTORIAL[power] * coef[lead] * comp.tau_ms[first]
    remainder *= lower_gamma_regularised(power + 1, lag_over_tau[lead])
    return lead, remainder


def _running_integral(part_key, part, state, kernels, row: int, n_out: int, n_blocks: int):
    """The parts of the cumulative (last) row, and its value at every block start, from ``row``'s.

    Inside a block the running integral is the cumulative sum of the step integrals (the
    kernels given are already summed); across blocks each block adds its total.
    """
    mine = part_key % n_out == row
    blocks = part_key[mine] // n_out
    running = np.cumsum(part[mine], axis=1)
    totals = weighted_counts(blocks, running[:, -1], n_blocks)
    if state is not None:
        totals += state @ kernels[:, -1]
    block_start = np.concatenate([[0.0], np.cumsum(totals)])
    keys = np.concatenate([part_key, blocks * n_out + n_out - 1])
    order = np.argsort(keys, kind="stable")
    return keys[order], np.concatenate([part, running])[order], block_start


def _own_block_parts(kernels, row, n_rows: int, amplitude, block, offset, component, remainders=None):
    """Per occupied (block, row): the sum of amplitude x kernel[k - offset] (0 for k < offset), k = 0..B-1.

    Returns the keys block x n_rows + row, sorted, and their parts (keys x B). ``n_rows``
    is the number of output rows the keys count (it may exceed the rows that occur).
    ``remainders`` (event component indices, integrals): each integral is added at the
    step before its event component's offset, in the block before for an offset of 0.
    """
    block_steps = kernels.shape[1]
    # The table: each kernel after B zeros (kernel[k] at B + k), then a unit impulse.
    table = np.zeros((kernels.shape[0] + 1, 2 * block_steps))
    table[:-1, block_steps:] = kernels
    table[-1, block_steps] = 1.0
    key = block * n_rows + row
    if remainders is not None:
        # A remainder at offset 0 belongs to the last step of the block before: an impulse row of its own.
        lead, value = remainders
        at_block_start = offset[lead] == 0
        extra = lead[at_block_start]
        key = np.concatenate([key, key[extra] - n_rows])
        component = np.concatenate([component, np.full(extra.size, kernels.shape[0])])
        offset = np.concatenate([offset, np.full(extra.size, block_steps - 1)])
        amplitude = np.concatenate([amplitude, value[at_block_start]])
    keys, key_index = np.unique(key, return_inverse=True)
    steps = np.arange(block_steps)
    # Each contribution's B values, gathered from the table by flat index, summed per key by bincount.
    values = table.ravel().take((component * (2 * block_steps) + block_steps - offset)[:, None] + steps)
    values *= amplitude[:, None]
    if remainders is not None:
        # The other remainders: at column offset - 1 of their own event's row (one each, so no repeats).
        inside = lead[~at_block_start]
        values[inside, offset[inside] - 1] += value[~at_block_start]
    target = (key_index.ravel() * block_steps)[:, None] + steps
    parts = weighted_counts(target.ravel(), values.ravel(), keys.size * block_steps)
    return keys, parts.reshape(keys.size, block_steps)


def weighted_counts(index: np.ndarray, weights: np.ndarray, length: int) -> np.ndarray:
    """np.bincount(index, weights, length) as floats, also when ``index`` is empty (bincount then gives ints).

    Examples
    --------
    >>> weighted_counts(np.array([], dtype=int), np.array([]), 2), weighted_counts(np.array([1, 1]), np.ones(2), 3)
    (array([0., 0.]), array([0., 2., 0.]))
    """
    return np.bincount(index, weights, length).astype(float, copy=False)


def _matmul_one_thread(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """a @ b into ``out``, in slices of rows small enough (< MATMUL_SLICE_MACS) that OpenBLAS runs each on one thread.

    On a shared machine a second BLAS thread mostly spins: measured on 2 cores under
    load, one (1251 x 150) @ (150 x 32) product took 6 ms of CPU, its slices 0.3 ms.
    """
    rows = max(1, MATMUL_SLICE_MACS // max(1, a.shape[1] * b.shape[1]))
    if a.shape[0] <= rows:
        return np.matmul(a, b, out=out)
    for start in range(0, a.shape[0], rows):
        np.matmul(a[start : start + rows], b, out=out[start : start + rows])
    return out


def _event_components(comp: Components, events: Events):
    """Every event of every (input, term, row) pair, once per h_q of its chain.

    Returns per event component: its component, grid bin, weighted coefficient (nS),
    lag / tau, and its amplitude at its bin's grid point, coef h_q(lag / tau).
    """
    component, coef, event = _event_pairs(comp, events)
    has_powers = comp.power.any()  # otherwise (single exponentials) every chain is its h_0 alone
    if has_powers:
        orders = comp.power[component] + 1
        component = np.repeat(component, orders) + _ragged_arange(orders)
        event, coef = np.repeat(event, orders), np.repeat(coef, orders)
    lag_over_tau = events.lag_ms[event] / comp.tau_ms[component]
    amplitude = coef * np.exp(-lag_over_tau)
    if has_powers:
        q = comp.order[component]
        amplitude *= lag_over_tau**q / FACTORIAL[q]
    return component, events.bin_index[event], coef, lag_over_tau, amplitude


def _event_pairs(comp: Components, events: Events):
    """(first component, weighted coefficient, event index) for every event of every (input, term, row) pair."""
    order = np.argsort(events.input_index, kind="stable")
    counts = np.bincount(events.input_index, minlength=int(comp.pair_input.max()) + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per_pair = counts[comp.pair_input]
    event = order[np.repeat(starts[comp.pair_input], per_pair) + _ragged_arange(per_pair)]
    return np.repeat(comp.pair_first, per_pair), np.repeat(comp.pair_coef_nS, per_pair), event


def _ragged_arange(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n of ``lengths``, concatenated: _ragged_arange([2, 3]) = [0, 1, 0, 1, 2]."""
    lengths = np.asarray(lengths, dtype=int)
    total = int(lengths.sum())
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total) - starts


def _injection_at_next_block(comp, component, amplitude, block, offset, n_blocks: int, dt_ms: float, steps: int):
    """Each event's state carried to the start of the block after its own, summed per component and block."""
    to_next = block + 1 < n_blocks
    component, amplitude, block, offset = component[to_next], amplitude[to_next], block[to_next], offset[to_next]
    delta = (steps - offset) * dt_ms / comp.tau_ms[component]
    max_power = int(comp.power.max())
    if max_power == 0:  # single exponentials: each event decays into its own component
        target = component * n_blocks + block + 1
        carried = weighted_counts(target, amplitude * np.exp(-delta), comp.tau_ms.size * n_blocks)
        return carried.reshape(comp.tau_ms.size, n_blocks)
    factors = chain_propagator(max_power, np.full(component.size, max_power), delta)
    injected = np.zeros(comp.tau_ms.size * n_blocks)
    for j in range(max_power + 1):
        target = component + j
        reach = (j == 0) | (comp.order[np.minimum(target, comp.tau_ms.size - 1)] == comp.order[component] + j)
        reach &= target < comp.tau_ms.size
        injected += np.bincount(
            target[reach] * n_blocks + block[reach] + 1,
            factors[j][reach] * amplitude[reach],
            minlength=injected.size,
        )
    return injected.reshape(comp.tau_ms.size, n_blocks)
