"""Which function draws which kind of plot for each explanation method and scope."""

import importlib

# Modules whose import registers the plots of one method; imported on first lookup.
PLOT_MODULES = ("sklearn_interp.plotting._prototype", "sklearn_interp.plotting._senn",
                "sklearn_interp.plotting._representer", "sklearn_interp.plotting._baselines",
                "sklearn_interp.plotting._leveling", "sklearn_interp.plotting._contrastive")

_PLOTS = {}
_DEFAULTS = {}


def register_plot(method, scope, kind, default=False):
    """Decorator registering a plot function for explanations of ``method`` and ``scope``.

    Parameters
    ----------
    method : str
        ``Explanation.meta["method"]``, e.g. ``"prototype"``.
    scope : {"local", "global"}
        ``Explanation.meta["scope"]``.
    kind : str
        The name passed as ``Explanation.plot(kind=...)``.
    default : bool, default=False
        Whether ``kind=None`` picks this plot.

    Returns
    -------
    decorator : callable
        Registers the function, taking ``(explanation, ax=None, **kwargs)``,
        and returns it unchanged.
    """
    def decorator(function):
        _PLOTS.setdefault((method, scope), {})[kind] = function
        if default:
            _DEFAULTS[method, scope] = kind
        return function

    return decorator


def get_plot(method, scope, kind=None):
    """The plot function registered for ``method``, ``scope`` and ``kind``.

    Parameters
    ----------
    method : str
    scope : {"local", "global"}
    kind : str, default=None
        None picks the default plot of ``method`` and ``scope``.

    Returns
    -------
    function : callable

    Raises
    ------
    ValueError
        When no plot is registered for ``method`` and ``scope``, or ``kind``
        is not one of the registered kinds (the message lists them).
    """
    for module in PLOT_MODULES:
        importlib.import_module(module)
    kinds = _PLOTS.get((method, scope))
    if not kinds:
        raise ValueError(f"no plot for method={method!r}, scope={scope!r}")
    kind = _DEFAULTS.get((method, scope)) if kind is None else kind
    if kind not in kinds:
        raise ValueError(f"unknown plot kind={kind!r} for method={method!r}, scope={scope!r}; "
                         f"available kinds: {sorted(kinds)}")
    return kinds[kind]
