"""A fitted recalibration map as a plain dict (for JSON), and back, with validation.

The dict is ``{"format": "clfdiag calibration mapping", "version": 1,
"method": ..., "params": {...}, "classes": [...]}``: ``params`` holds the
fields of the method's parameter dataclass
(:mod:`clfdiag.core.recalibration`) and ``classes`` the class names in the
order of the probability columns (binary: negative, then positive).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from clfdiag.core.recalibration import (
    BINARY_METHODS,
    METHOD_OF,
    MULTICLASS_METHODS,
    BetaParams,
    HistogramParams,
    IsotonicParams,
    Params,
    TemperatureParams,
    VectorScalingParams,
    method_name,
    params_dict,
)

FORMAT = "clfdiag calibration mapping"
VERSION = 1
PARAMS_OF = {name: cls for cls, name in METHOD_OF.items()}


class MappingError(ValueError):
    """A mapping that cannot be read, or that does not fit the predictions it is applied to."""


@dataclass(frozen=True)
class CalibrationMapping:
    """Fitted parameters and the classes they were fitted on."""

    params: Params
    classes: tuple[str, ...]

    @property
    def method(self) -> str:
        """The method's name, e.g. ``"platt"``."""
        return method_name(self.params)


def mapping_to_dict(params: Params, classes: Sequence[str]) -> dict[str, Any]:
    """The JSON-able dict of a fitted map; :func:`mapping_from_dict` reads it back."""
    mapping = {"format": FORMAT, "version": VERSION, "method": method_name(params),
               "params": params_dict(params), "classes": [str(c) for c in classes]}
    mapping_from_dict(mapping)
    return mapping


def mapping_from_dict(data: Mapping[str, Any],
                      classes: Sequence[str] | None = None) -> CalibrationMapping:
    """Read and check a mapping dict; with ``classes``, also check it was fitted on them.

    Raises :class:`MappingError` (a ``ValueError``) naming what is wrong: an
    unknown format, version or method, missing, extra or invalid parameters,
    or classes other than ``classes`` (same names in the same order).
    """
    if not isinstance(data, Mapping):
        raise MappingError("a calibration mapping must be a JSON object")
    if data.get("format") != FORMAT:
        raise MappingError(f"not a calibration mapping: 'format' must be {FORMAT!r}")
    if data.get("version") != VERSION:
        raise MappingError(f"unsupported calibration mapping version {data.get('version')!r}; "
                           f"this version of clfdiag reads version {VERSION}")
    method = data.get("method")
    if method not in PARAMS_OF:
        raise MappingError(f"unknown calibration method {method!r}; expected one of "
                           f"{', '.join(PARAMS_OF)}")
    saved = data.get("classes")
    if (not isinstance(saved, list) or len(saved) < 2
            or not all(isinstance(c, str) for c in saved) or len(set(saved)) != len(saved)):
        raise MappingError("'classes' must list at least two distinct class names")
    if method in BINARY_METHODS and method not in MULTICLASS_METHODS and len(saved) != 2:
        raise MappingError(f"a {method} mapping is binary, but it lists {len(saved)} classes")
    params = _params(PARAMS_OF[method], data.get("params"), len(saved))
    if classes is not None and list(classes) != saved:
        raise MappingError(f"the mapping was fitted on classes {saved}, but the predictions "
                           f"have classes {[str(c) for c in classes]}")
    return CalibrationMapping(params, tuple(saved))


def columns_in_fitted_order(fitted: Sequence[str], columns: Sequence[str]) -> list[int] | None:
    """Where each of the fitted classes is among ``columns``, the class columns of a file.

    A map of one parameter per class (vector scaling) belongs to the classes by
    name, not by position: class columns in another order are read in the
    fitted order, ``proba[:, order]``. None when the order is already the fit's.
    Raises :class:`MappingError` when the classes are not the same names.
    """
    names = [str(c) for c in columns]
    if names == list(fitted):
        return None
    if sorted(names) != sorted(fitted):
        raise MappingError(f"the mapping was fitted on classes {list(fitted)}, but the "
                           f"predictions have classes {names}")
    return [names.index(c) for c in fitted]


def _params(cls: type, raw: object, n_classes: int) -> Params:
    if not isinstance(raw, Mapping):
        raise MappingError("'params' must be a JSON object")
    expected = [f.name for f in fields(cls)]
    if sorted(raw) != sorted(expected):
        raise MappingError(f"{METHOD_OF[cls]} parameters must be exactly "
                           f"{', '.join(expected)}; found {', '.join(map(str, raw)) or 'none'}")
    values: dict[str, Any] = {}
    for name in expected:
        value = raw[name]
        if isinstance(value, list):
            values[name] = tuple(_number(v, name) for v in value)
        else:
            values[name] = _number(value, name)
    params: Params = cls(**values)
    _check(params, n_classes)
    return params


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MappingError(f"parameter {name!r} must hold finite numbers, not {value!r}")
    return float(value)


def _check(params: Params, n_classes: int) -> None:
    if isinstance(params, TemperatureParams):
        if params.temperature <= 0:
            raise MappingError("the temperature must be positive")
    elif isinstance(params, BetaParams):
        # A fit on one feature (a = 0 or b = 0) keeps its coefficient's sign, as betacal does.
        if min(params.a, params.b) < 0 and params.a != 0 and params.b != 0:
            raise MappingError("beta calibration needs a >= 0 and b >= 0 unless one of them is 0")
    elif isinstance(params, IsotonicParams | HistogramParams):
        x = (params.thresholds if isinstance(params, IsotonicParams) else params.upper_edges)
        if not x or len(x) != len(params.values):
            raise MappingError("the map needs as many values as thresholds, at least one")
        if not all(0.0 <= v <= 1.0 for v in params.values):
            raise MappingError("mapped probabilities must lie in [0, 1]")
        if isinstance(params, IsotonicParams) and not (
                _ordered(x, strict=False) and _ordered(params.values, strict=False)):
            raise MappingError("isotonic thresholds and values must be non-decreasing")
        if isinstance(params, HistogramParams) and not (x[-1] == 1.0 and _ordered(x, True)):
            raise MappingError("histogram bin edges must increase strictly and end at 1")
    elif isinstance(params, VectorScalingParams) and not (
            len(params.scale) == len(params.bias) == n_classes):
        raise MappingError(f"vector scaling needs one scale and one bias per class "
                           f"({n_classes})")


def _ordered(values: tuple[float, ...], strict: bool) -> bool:
    pairs = itertools.pairwise(values)
    return all(a < b for a, b in pairs) if strict else all(a <= b for a, b in pairs)
