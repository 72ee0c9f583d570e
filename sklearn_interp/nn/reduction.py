"""Batch reductions that respect sample weights."""


def weighted_mean(values, sample_weight=None):
    """Mean of per-sample ``values`` over the batch (first axis; other axes averaged per sample), weighted.

    ``sample_weight`` is the batch's slice of weights normalized to mean 1
    over the whole dataset (``sklearn_interp.base.TensorDataset``), or None
    for equal weights: a batch's weighted mean is then an unbiased estimate
    of the dataset's weighted mean, and equals ``values.mean()`` when every
    weight is 1.
    """
    if sample_weight is None:
        return values.mean()
    per_sample = values.reshape(len(values), -1).mean(dim=1)
    return (per_sample * sample_weight.to(per_sample.dtype)).mean()


__all__ = ["weighted_mean"]
