"""A linear regressor and its data for the multi-process launch test.

Imported by the launched processes through ``custom_imports``; the test
recomputes the expected update in its own process.
"""
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from mmgaf.registry import DATASETS, MODELS

IN_FEATURES = 3


@MODELS.register_module()
class ToyRegressor(BaseModel):
    """y = w x + b with a squared error; ``loss`` mode only."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(IN_FEATURES, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        prediction = self.linear(torch.stack(inputs)).squeeze(1)
        if mode == 'loss':
            targets = torch.stack(data_samples)
            return dict(loss=((prediction - targets)**2).mean())
        return prediction


@DATASETS.register_module()
class ToyData(Dataset):
    """Two samples whose gradients differ, one per process."""

    inputs = torch.tensor([[1., 2., 3.], [-4., 0.5, 2.]])
    targets = torch.tensor([10., -3.])

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, index):
        return dict(
            inputs=self.inputs[index], data_samples=self.targets[index])
