"""AFSD's boundary max pooling as a plain loop, the reference of the op's
tests and of benchmarks/bench_boundary_pooling.py."""
import torch


def reference_pooling(x, segments):
    """A direct transcription of AFSD's CUDA kernel, one loop iteration per
    (sample, segment, channel half); differentiable through ``max``."""
    batch, channels, length = x.shape
    half = channels // 2
    outputs = []
    for b in range(batch):
        columns = []
        for n in range(segments.size(1)):
            parts = []
            for h in range(2):
                left = min(
                    max(int(segments[b, n, 2 * h].item()), 0), length - 1)
                right = min(
                    max(int(segments[b, n, 2 * h + 1].item()), 0), length - 1)
                right = max(left, right)
                # torch.max returns the first maximal index on ties.
                parts.append(x[b, h * half:(h + 1) * half,
                               left:right + 1].max(dim=-1).values)
            columns.append(torch.cat(parts))
        outputs.append(torch.stack(columns, dim=-1))
    return torch.stack(outputs)
