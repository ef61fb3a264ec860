"""Every registered architecture: exact parameter counts and output shapes."""

import pytest
import torch
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.models import ARCHITECTURES, build, count_params

REFERENCE_CNN = {"conv_filters": [128, 256, 512], "kernel_size": 3, "pool_type": "max", "fc_neurons": 512,
            "dropout_rate": 0.5}
# (arch, num_classes, params) -> count as the reference deck and report state them; counts do not
# depend on the image size except for the CNN's first FC layer, counted here at 32 px.
STATED_COUNTS = [
    ("cnn", 10, REFERENCE_CNN, 5_680_650),
    ("resnet18_cifar", 10, {}, 11_173_962),
    ("plain34", 5, {}, 21_287_237),
    ("resnet34", 5, {}, 21_287_237),
    ("multipath_resnet34", 5, {}, 29_342_021),
    ("preact_resnet34", 5, {}, 21_285_573),
]


def test_every_registered_arch_has_a_stated_count():
    assert sorted(a for a, *_ in STATED_COUNTS) == sorted(ARCHITECTURES)


@pytest.mark.parametrize("arch,classes,params,expected", STATED_COUNTS)
def test_parameter_count(arch, classes, params, expected):
    assert count_params(build(arch, classes, 32, params)) == expected


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_output_shape_and_feature_stages(arch):
    model = build(arch, 7, 32).eval()
    seen = {}
    hooks = [m.register_forward_hook(lambda mod, i, o, name=name: seen.__setitem__(name, o.shape))
             for name, m in model.feature_stages.items()]
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32))
    for h in hooks:
        h.remove()
    assert out.shape == (2, 7)
    assert list(seen) == list(model.feature_stages) and len(seen) >= 3
    assert all(len(shape) == 4 and shape[0] == 2 for shape in seen.values())


def test_cnn_defaults_are_the_seed_defaults():
    model = build("cnn", 10, 32)
    assert model.conv1[0].out_channels == 64 and model.conv3[0].out_channels == 256
    assert model.fc1.out_features == 1024 and model.dropout.p == 0.4
    assert isinstance(build("cnn", 10, 32, {"pool_type": "avg"}).pool, torch.nn.AvgPool2d)


def test_plain34_has_no_skip_connection():
    # Same parameters as ResNet-34, but the frozen projections never take part in the forward pass.
    model = build("plain34", 5, 64)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen and all("unused_projection" in n for n in frozen)
    block = model.layer1[0]
    x = torch.randn(1, 64, 8, 8)
    assert torch.equal(block(x), torch.relu(block.residual(x)))


def test_models_command_lists_counts():
    result = CliRunner().invoke(app, ["models", "--num-classes", "5"])
    assert result.exit_code == 0
    assert "29,342,021" in result.output and "multipath_resnet34" in result.output
