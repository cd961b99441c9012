"Table 1 networks: parameter counts at the paper's input shapes, and adapted shapes."
import pytest, torch
from sharpnb.core import n_params
from sharpnb.models import get_net

@pytest.mark.parametrize('name,count', [('F1', 1_462_794), ('F2', 2_780_085), ('C1', 1_757_834),
                                        ('C2', 14_991_946), ('C3', 1_775_204), ('C4', 15_038_116)])
def test_param_counts(name, count):
    assert n_params(get_net(name)) == count

@pytest.mark.parametrize('name', ['C1', 'C2'])
def test_adapted_to_fashion_mnist(name):
    m = get_net(name, (1, 28, 28), 10).eval()
    assert m(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
