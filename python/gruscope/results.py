"""What gruscope returns: a run's arrays, cuDNN eligibility reports."""

import numpy as np

# The fields of a run, in the order they are listed; see RunResult for their meaning.
_RUN_FIELDS = (
    "output", "state", "z", "r", "h_tilde", "h", "pre_z", "pre_r", "pre_h_tilde", "kept",
    "time_index", "trace_samples", "trace_steps", "trace_truncated", "trace_rebuilt", "trace_note",
    "output64", "state64", "backend", "notes", "seconds", "threads",
)


class RunResult:
    """One call of a GRU layer, as numpy arrays.

    Keras's outputs:

    - ``output``: what the layer returns: ``(B, U)``, or ``(B, T, U)`` with
      ``return_sequences`` (``(T, B, U)`` with ``time_major``).
    - ``state``: the final state ``(B, U)``, whatever ``return_state`` says.

    The trace (``trace=True``), one entry per recorded sample ``S``, processing step ``W``
    and unit ``U``, so ``(S, W, U)``:

    - ``z``, ``r``: the update and reset gates;
    - ``h_tilde``: the candidate state h̃;
    - ``h``: the state after the step, ``h = z ⊙ h_prev + (1 − z) ⊙ h̃`` (on a masked step
      Keras keeps ``h_prev``);
    - ``pre_z``, ``pre_r``, ``pre_h_tilde``: the sums fed to the activations. With
      ``reset_after=True``: ``pre_z = x·K_z + b_z + h·R_z + b'_z`` and
      ``pre_h_tilde = x·K_h + b_h + r ⊙ (h·R_h + b'_h)``; with ``reset_after=False``:
      ``pre_h_tilde = x·K_h + b_h + (r ⊙ h)·R_h``;
    - ``kept`` ``(S, W)``: True where the mask kept the step;
    - ``time_index`` ``(W,)``: the input time step each processing step read (reversed with
      ``go_backwards``); ``trace_samples`` ``(S,)``: the batch indices recorded;
      ``trace_steps``: the recorded window ``(begin, end)`` in processing order;
      ``trace_truncated``: the window was shortened to fit the trace's memory cap;
      ``trace_rebuilt``: a GPU backend ran and the gates were recomputed on the CPU from its
      states; ``trace_note`` says why, in words.

    Without a trace these are None. ``output64``/``state64`` are the float64 results of the
    ``reference`` backend (None on the others). ``backend`` names the backend that ran, ``notes``
    say why and what else happened (dropout applied, trace limited), ``seconds`` is the time of
    the forward pass, ``threads`` the CPU threads it used.

    A Bidirectional layer's result has ``output`` (merged; the forward output when
    ``merge_mode=None``), ``backward_output`` (merge_mode None only), ``state`` as the pair
    ``(forward_state, backward_state)``, and ``forward``/``backward``: each half's own RunResult
    (the backward one in processing order, with its trace). Its gate fields are None.

    Read fields as attributes (``res.z``) or by name (``res["z"]``); ``res.keys()`` lists them
    and ``res.as_dict()`` gives a plain dict.
    """

    def __init__(self, fields):
        self._fields = dict(fields)

    def __getattr__(self, name):
        try:
            return self.__dict__["_fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self._fields[name]

    def __contains__(self, name):
        return name in self._fields

    def keys(self):
        return list(self._fields)

    def as_dict(self):
        return dict(self._fields)

    def __dir__(self):
        return list(super().__dir__()) + list(self._fields)

    def __repr__(self):
        parts = []
        for k, v in self._fields.items():
            if isinstance(v, np.ndarray):
                parts.append(f"{k}={v.dtype}{tuple(v.shape)}")
            elif isinstance(v, RunResult):
                parts.append(f"{k}=RunResult(...)")
            elif k in ("backend", "trace_note") and v:
                parts.append(f"{k}={v!r}")
        return "RunResult(" + ", ".join(parts) + ")"


def _run_result(d):
    """A RunResult from the engine's dict (ordered as _RUN_FIELDS)."""
    return RunResult({k: d[k] for k in _RUN_FIELDS if k in d})


class Condition(dict):
    """One of Keras's conditions for cuDNN. Keys (also attributes): ``id`` (stable name, e.g.
    ``"recurrent_dropout"``), ``title``, ``ok``, ``applies`` (False: not a rule of this Keras
    flavor), ``reason`` (the situation in words), ``fix`` (what to change; "" when ok),
    ``source`` (where the rule lives in Keras). ``name``, ``pass`` and ``why`` are the same as
    ``id``, ``ok`` and ``reason``."""

    def __init__(self, d):
        super().__init__(d)
        self["name"] = d["id"]
        self["pass"] = d["ok"]
        self["why"] = d["reason"]

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        mark = "ok" if self["ok"] else ("-" if not self["applies"] else "FAIL")
        return f"<{mark} {self['id']}: {self['reason']}>"


class EligibilityReport(dict):
    """Would Keras run this GRU on cuDNN? Keys (also attributes): ``eligible``,
    ``conditions`` (a list of Condition, in Keras's order), ``notes`` (what does not block cuDNN
    but changes what it computes), ``device`` (the GPU the verdict assumed), ``flavor``,
    ``keras_version`` and, for a layer of a model or file, ``layer``. ``failed`` lists the
    conditions that fail. ``print(report)`` gives a table."""

    def __init__(self, d):
        super().__init__(d)
        self["conditions"] = [Condition(c) for c in d["conditions"]]

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def failed(self):
        return [c for c in self["conditions"] if not c["ok"]]

    def __str__(self):
        head = "cuDNN: " + ("eligible" if self["eligible"] else "not eligible")
        if self.get("layer"):
            head = f"{self['layer']}: {head}"
        lines = [head + f"  ({self.get('device', '')})"]
        for c in self["conditions"]:
            mark = "  -  " if not c["applies"] else (" ok  " if c["ok"] else "FAIL ")
            lines.append(f"{mark}{c['title']}: {c['reason']}")
            if not c["ok"] and c["fix"]:
                lines.append(f"       fix: {c['fix']}")
        lines += [f"note: {n}" for n in self["notes"]]
        return "\n".join(lines)

    def __repr__(self):
        failed = [c["id"] for c in self.failed]
        where = f"{self['layer']!r}, " if self.get("layer") else ""
        return f"EligibilityReport({where}eligible={self['eligible']}, failed={failed})"
