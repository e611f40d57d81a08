"""vaelib.layers: each fast layer computes what its torch.nn parent computes (values and gradients), keeps its
parameters (checkpoints), and hands traced/exported graphs the parent's plain form; the conv models built from
them keep their checkpoint layout and FLOP count."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import vaelib.layers
from vaelib.layers import (
    CPUConv2d,
    CPUConvTranspose2d,
    FlattenLinear,
    MapLinear,
    PhaseConvTranspose2d,
    SameConv2d,
    map_linear,
)
from vaelib.models import ConvBNConfig, ConvConfig, UNetConfig, build_model, model_flops

FORMATS = [torch.contiguous_format, torch.channels_last]


def _same_weights(parent: nn.Module, fast: nn.Module) -> tuple[nn.Module, nn.Module]:
    fast.load_state_dict(parent.state_dict())  # strict: same parameter names and shapes
    return parent.double(), fast.double()


def _check_against_parent(parent: nn.Module, fast: nn.Module, in_shape, fmt) -> None:
    """Outputs and all three gradients agree in float64, for one memory format."""
    parent, fast = (m.to(memory_format=fmt) for m in _same_weights(parent, fast))
    x = torch.randn(3, *in_shape, dtype=torch.double).contiguous(memory_format=fmt)
    xs = [x.clone().requires_grad_(True) for _ in range(2)]
    ys = [m(xi) for m, xi in zip((parent, fast), xs, strict=True)]
    assert ys[0].shape == ys[1].shape
    torch.testing.assert_close(ys[1], ys[0], rtol=1e-12, atol=1e-12)
    grad = torch.randn_like(ys[0])
    for y in ys:
        y.backward(grad)
    torch.testing.assert_close(xs[1].grad, xs[0].grad, rtol=1e-12, atol=1e-12)
    for p, q in zip(parent.parameters(), fast.parameters(), strict=True):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("fmt", FORMATS, ids=["nchw", "nhwc"])
@pytest.mark.parametrize(
    "c_in,c_out,stride,padding,hw",
    [(5, 1, 2, 1, 7), (4, 3, 2, 1, 6), (3, 2, 2, 0, 5), (3, 1, 3, 1, 4), (2, 1, 1, 0, 5), (6, 8, 2, 1, 4)],
)
def test_phase_conv_transpose_matches_conv_transpose(c_in, c_out, stride, padding, hw, fmt):
    torch.manual_seed(0)
    k = 2 * stride
    parent = nn.ConvTranspose2d(c_in, c_out, k, stride, padding)
    fast = PhaseConvTranspose2d(c_in, c_out, k, stride, padding)
    assert fast._fast() == (c_out <= 4)  # 8 output channels: the parent's own forward
    _check_against_parent(parent, fast, (c_in, hw, hw), fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=["nchw", "nhwc"])
@pytest.mark.parametrize("c_in,c_out,k,hw", [(5, 1, 3, 6), (3, 2, 5, 7), (4, 1, 1, 4), (2, 6, 3, 5)])
def test_same_conv_matches_conv(c_in, c_out, k, hw, fmt):
    torch.manual_seed(0)
    parent = nn.Conv2d(c_in, c_out, k, padding=k // 2)
    fast = SameConv2d(c_in, c_out, k, padding=k // 2)
    assert fast._fast() == (c_out <= 4)
    _check_against_parent(parent, fast, (c_in, hw, hw), fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=["nchw", "nhwc"])
@pytest.mark.parametrize(
    "args,kwargs,hw",
    [
        ((1, 4, 3), {"stride": 2, "padding": 1}, 8),  # seed 002's first layer
        ((3, 5, 3), {"stride": 2, "padding": 1, "dilation": 2}, 9),
        ((4, 6, 1), {"groups": 2}, 5),
        ((2, 3, 2), {"padding": 1, "bias": False}, 6),
    ],
)
def test_cpu_conv_matches_conv(args, kwargs, hw, fmt):
    torch.manual_seed(0)
    fast = CPUConv2d(*args, **kwargs)
    assert _takes_the_fast_path(fast, (2, args[0], hw, hw))
    _check_against_parent(nn.Conv2d(*args, **kwargs), fast, (args[0], hw, hw), fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=["nchw", "nhwc"])
@pytest.mark.parametrize(
    "args,kwargs,hw",
    [
        ((6, 4, 4), {"stride": 2, "padding": 1}, 4),  # seed 002's decoder, 64 -> 32
        ((5, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, 5),  # seed 000's decoder
        ((4, 6, 3), {"groups": 2, "dilation": 2}, 4),
        ((2, 3, 2), {"bias": False}, 5),
    ],
)
def test_cpu_conv_transpose_matches_conv_transpose(args, kwargs, hw, fmt):
    torch.manual_seed(0)
    parent, fast = nn.ConvTranspose2d(*args, **kwargs), CPUConvTranspose2d(*args, **kwargs)
    assert _takes_the_fast_path(fast, (2, args[0], hw, hw))
    _check_against_parent(parent, fast, (args[0], hw, hw), fmt)


def _takes_the_fast_path(layer: nn.Module, shape) -> bool:
    """The layer's output comes from vaelib's own autograd Function, not the parent's."""
    x = torch.randn(*shape, requires_grad=True)
    return type(layer(x).grad_fn).__name__ == "_ConvBackward"


@pytest.mark.parametrize(
    "parent,fast",
    [
        # seed 002's layers at batch 128 sizes, float32 channels-last as in training: oneDNN's kernels
        (nn.Conv2d(1, 32, 3, 2, 1), CPUConv2d(1, 32, 3, 2, 1)),
        (nn.Conv2d(32, 64, 3, 2, 1), CPUConv2d(32, 64, 3, 2, 1)),
        (nn.ConvTranspose2d(64, 32, 4, 2, 1), CPUConvTranspose2d(64, 32, 4, 2, 1)),
        (nn.ConvTranspose2d(32, 1, 4, 2, 1), PhaseConvTranspose2d(32, 1, 4, 2, 1)),
    ],
)
def test_cpu_convs_match_in_float32_channels_last(parent, fast):
    """The training path (oneDNN, float32, channels-last): same outputs and gradients up to float32 rounding."""
    torch.manual_seed(0)
    fast.load_state_dict(parent.state_dict())
    parent, fast = (m.to(memory_format=torch.channels_last) for m in (parent, fast))
    h = 28 if parent.in_channels == 1 else 14 if parent.in_channels == 32 else 7
    x = torch.randn(16, parent.in_channels, h, h).contiguous(memory_format=torch.channels_last)
    xs = [x.clone().requires_grad_(parent.in_channels > 1) for _ in range(2)]
    ys = [m(xi) for m, xi in zip((parent, fast), xs, strict=True)]
    torch.testing.assert_close(ys[1], ys[0], rtol=1e-4, atol=1e-5)
    grad = torch.randn_like(ys[0])
    for y in ys:
        y.backward(grad)
    if parent.in_channels > 1:
        torch.testing.assert_close(xs[1].grad, xs[0].grad, rtol=1e-4, atol=1e-4)
    for p, q in zip(parent.parameters(), fast.parameters(), strict=True):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-4, atol=1e-3)


def test_cpu_convs_skip_the_input_gradient_of_a_first_layer(monkeypatch):
    """Data needs no gradient: oneDNN is asked for the weight gradient only (the bias gradient is a sum)."""
    masks = []

    def recording(*args):
        masks.append(tuple(args[-1]))
        return torch.ops.aten.convolution_backward(*args)

    monkeypatch.setattr(vaelib.layers, "_conv_backward", recording)
    torch.manual_seed(0)
    conv = CPUConv2d(1, 3, 3, stride=2, padding=1).double()
    x = torch.randn(2, 1, 6, 6, dtype=torch.double)
    conv(x).sum().backward()
    assert masks == [(False, True, False)]
    ref = nn.Conv2d(1, 3, 3, stride=2, padding=1).double()
    ref.load_state_dict(conv.state_dict())
    ref(x).sum().backward()
    torch.testing.assert_close(conv.weight.grad, ref.weight.grad)
    torch.testing.assert_close(conv.bias.grad, ref.bias.grad)
    masks.clear()
    xg = x.clone().requires_grad_(True)
    conv(xg).sum().backward()
    assert masks == [(True, True, False)]


def test_fast_layers_fall_back_outside_their_shapes():
    torch.manual_seed(0)
    # stride 2 with kernel 3 and output padding (seed 000's decoder), stride-2 conv: not the phase/same forms
    _check_against_parent(
        nn.ConvTranspose2d(3, 1, 3, 2, 1, output_padding=1), PhaseConvTranspose2d(3, 1, 3, 2, 1, output_padding=1),
        (3, 5, 5), torch.channels_last,
    )  # fmt: skip
    _check_against_parent(nn.Conv2d(3, 1, 3, 2, 1), SameConv2d(3, 1, 3, 2, 1), (3, 6, 6), torch.channels_last)
    assert not PhaseConvTranspose2d(3, 1, 3, 2, 1, output_padding=1)._fast()
    assert not SameConv2d(3, 1, 3, 2, 1)._fast()


@pytest.mark.parametrize(
    "parent,fast,shape",
    [
        (nn.Conv2d(2, 3, 3, padding="same"), CPUConv2d(2, 3, 3, padding="same"), (2, 2, 5, 5)),
        (nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), CPUConv2d(2, 3, 3, padding=1, padding_mode="reflect"),
         (2, 2, 5, 5)),
        (nn.Conv2d(2, 3, 3, padding=1), CPUConv2d(2, 3, 3, padding=1), (2, 5, 5)),  # unbatched
        (nn.ConvTranspose2d(2, 3, 3, 2, 1, padding_mode="zeros"), CPUConvTranspose2d(2, 3, 3, 2, 1), (2, 4, 4)),
    ],
)  # fmt: skip
def test_cpu_convs_fall_back_to_the_parent(parent, fast, shape):
    """String padding, other padding modes, unbatched input: the parent's forward, the same values."""
    torch.manual_seed(0)
    fast.load_state_dict(parent.state_dict())
    x = torch.randn(*shape, requires_grad=True)
    y = fast(x)
    assert type(y.grad_fn).__name__ != "_ConvBackward"
    torch.testing.assert_close(y, parent(x))


def test_cpu_conv_transpose_honours_output_size():
    torch.manual_seed(0)
    parent, fast = nn.ConvTranspose2d(2, 3, 3, 2, 1), CPUConvTranspose2d(2, 3, 3, 2, 1)
    fast.load_state_dict(parent.state_dict())
    x = torch.randn(2, 2, 4, 4)
    y = fast(x, output_size=[8, 8])
    assert y.shape[-2:] == (8, 8)
    torch.testing.assert_close(y, parent(x, output_size=[8, 8]))


def test_fast_layers_gradcheck():
    torch.manual_seed(0)
    for layer, shape in (
        (PhaseConvTranspose2d(2, 1, 4, 2, 1), (2, 2, 3, 3)),
        (SameConv2d(2, 1, 3, padding=1), (2, 2, 4, 4)),
        (CPUConv2d(2, 3, 3, stride=2, padding=1), (2, 2, 5, 5)),
        (CPUConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (2, 2, 3, 3)),
    ):
        layer = layer.double()
        x = torch.randn(*shape, dtype=torch.double, requires_grad=True)
        assert torch.autograd.gradcheck(lambda x, w, b, m=layer: _call_with(m, x, w, b), (x, layer.weight, layer.bias))


def _call_with(layer: nn.Module, x, weight, bias):
    return torch.func.functional_call(layer, {"weight": weight, "bias": bias}, (x,))


@pytest.mark.parametrize("fmt", FORMATS, ids=["nchw", "nhwc"])
def test_map_linear_and_flatten_linear_match_flatten_then_linear(fmt):
    torch.manual_seed(0)
    c, h, w = 3, 4, 5
    lin = nn.Linear(c * h * w, 6).double()
    x = torch.randn(2, c, h, w, dtype=torch.double).contiguous(memory_format=fmt)
    expected = lin(x.flatten(1))
    torch.testing.assert_close(map_linear(x, lin.weight, lin.bias), expected)
    flat = FlattenLinear(c * h * w, 6).double()
    flat.load_state_dict(lin.state_dict())
    torch.testing.assert_close(flat(x), expected)
    torch.testing.assert_close(flat(x.flatten(1)), expected)  # a flat input is a plain Linear


def test_map_linear_emits_the_reshaped_output_channels_last():
    torch.manual_seed(0)
    lin = nn.Linear(4, 3 * 5 * 6).double()
    ml = MapLinear(4, (3, 5, 6)).double()
    ml.load_state_dict(lin.state_dict())
    z = torch.randn(2, 4, dtype=torch.double, requires_grad=True)
    out = ml(z)
    assert out.shape == (2, 3, 5, 6) and out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, lin(z).view(2, 3, 5, 6))
    grad = torch.randn(2, 3, 5, 6, dtype=torch.double)
    out.backward(grad)
    g_fast = (z.grad.clone(), ml.weight.grad.clone())
    z.grad = None
    lin(z).view(2, 3, 5, 6).backward(grad)
    torch.testing.assert_close(g_fast[0], z.grad)
    torch.testing.assert_close(g_fast[1], lin.weight.grad)


@pytest.mark.parametrize(
    "layer,op",
    [
        (PhaseConvTranspose2d(2, 1, 4, 2, 1), "aten.conv_transpose2d.input"),
        (CPUConvTranspose2d(2, 3, 4, 2, 1), "aten.conv_transpose2d.input"),
        (CPUConv2d(2, 3, 3, 2, 1), "aten.conv2d.default"),
    ],
)
def test_exported_graph_uses_the_plain_forms(layer, op):
    """The parent's op in the graph, not the CPU forms (the bare aten.convolution or a matmul)."""
    program = torch.export.export(layer.eval(), (torch.randn(2, 2, 3, 3),))
    targets = {str(n.target) for n in program.graph.nodes if n.op == "call_function"}
    assert op in targets, targets
    assert not any("bmm" in t or t == "aten.convolution.default" for t in targets), targets


def test_conv_models_keep_their_checkpoint_layout():
    """Saved runs load into the new modules: the parameter names are those of the torch.nn layers they replace."""
    keys = list(build_model(ConvBNConfig(latent_dim=2)).state_dict())
    assert keys[:7] == ["encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias",
                        "encoder.1.running_mean", "encoder.1.running_var", "encoder.1.num_batches_tracked"]  # fmt: skip
    assert "decoder.0.weight" in keys and "decoder.2.weight" in keys and "decoder.5.weight" in keys
    assert not any(k.startswith("decoder.1.") for k in keys)  # the reshape's slot holds no parameters
    conv = build_model(ConvConfig(latent_dim=2)).state_dict()
    assert conv["encoder.9.weight"].shape == (32, 64 * 14 * 14)  # the encoder's dense layer, after its flatten
    assert conv["decoder.0.weight"].shape == (64 * 14 * 14, 2) and conv["decoder.5.weight"].shape == (1, 32, 3, 3)


@pytest.mark.parametrize("cfg", [ConvBNConfig(latent_dim=16), ConvConfig(latent_dim=2), UNetConfig(latent_dim=4)])
def test_conv_model_flops_count_both_heads(cfg):
    model = build_model(cfg)
    flops = model_flops(model, cfg.image_shape)
    if isinstance(cfg, ConvBNConfig):
        c, (h, w) = cfg.image_shape[0], cfg.image_shape[1:]
        c1, c2 = cfg.channels
        macs = (
            9 * c * c1 * (h // 2) * (w // 2)  # conv 1 -> 32, stride 2
            + 9 * c1 * c2 * (h // 4) * (w // 4)  # conv 32 -> 64, stride 2
            + 2 * c2 * (h // 4) * (w // 4) * cfg.latent_dim  # mu and logvar heads
            + cfg.latent_dim * c2 * (h // 4) * (w // 4)  # decoder dense
            + 16 * c2 * c1 * (h // 4) * (w // 4)  # transposed conv 64 -> 32 (per input pixel)
            + 16 * c1 * c * (h // 2) * (w // 2)  # transposed conv 32 -> 1
        )
        assert flops == 2 * macs
    heads = 2 * 2 * model.fc_mu.in_features * cfg.latent_dim
    assert flops > heads > 0
    assert math.isfinite(flops)
