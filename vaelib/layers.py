"""Drop-in layers that compute what their torch.nn parents compute (up to float rounding), faster on the CPU.

Each one subclasses the nn layer it replaces, so parameters, their names and checkpoints are unchanged. Why they
exist, measured on the 2-core AVX2 machine of this project (`make bench-layers` times every layer against its
parent):

- oneDNN, PyTorch's CPU convolution library, is slow at the forward of convolutions that write one or a few
  channels: ConvTranspose2d 32 -> 1 (14x14 -> 28x28, batch 128) takes 4.8 ms forward for 26 MFLOP (5 GFLOP/s,
  against about 120 for a large matmul); seed 000's last Conv2d (32 -> 1, 3x3, batch 512) 20 ms.
  `PhaseConvTranspose2d` and `SameConv2d` compute those forwards as one batched matmul plus a few shifted adds of
  whole image-sized slabs.
- oneDNN computes a bias gradient inside its weight-gradient kernel, more slowly than a plain sum over the output
  gradient. Every conv here (`CPUConv2d`, `CPUConvTranspose2d` and the two above) asks oneDNN only for the input
  and weight gradients, and only for those autograd needs, and sums the bias gradient itself.
- The linear layers keep a channels-last feature map in its layout, where torch.nn would copy it to flatten or
  reshape.

Under torch.compile / torch.export (e.g. the ONNX export of the explorer) they fall back to their parents.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Few-channel outputs are where oneDNN is slow; with many output channels its kernels win, so stay there.
MAX_FAST_OUT_CHANNELS = 4

_conv_backward = torch.ops.aten.convolution_backward


def _traced() -> bool:
    """True under torch.compile, torch.export or the ONNX exporters: they get the parents' plain graph."""
    return torch.compiler.is_compiling() or torch.onnx.is_in_onnx_export()


def _weights_as_columns(weight: torch.Tensor, order: tuple[int, ...]) -> torch.Tensor:
    """[C_in, N] matrix of a weight tensor whose dims are permuted to `order` (C_in first), flattened."""
    w = weight.permute(*order)
    return w.reshape(w.shape[0], -1)


def _map_matmul(x: torch.Tensor, w_cols: torch.Tensor) -> torch.Tensor:
    """[B, N, H*W] = w_cols^T @ x per example, for x [B, C, H, W] in either memory format (no copy of x)."""
    b, c, h, w = x.shape
    return torch.bmm(w_cols.t().expand(b, -1, -1), x.reshape(b, c, h * w))


def _conv_grads(
    ctx, grad_out: torch.Tensor, x: torch.Tensor, weight: torch.Tensor, geometry: tuple
) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]:
    """Input, weight and bias gradients of a convolution: oneDNN's for the first two, a sum for the bias.

    geometry = (stride, padding, dilation, transposed, output_padding, groups) as for aten.convolution. Only the
    gradients autograd asks for are computed (a first layer gets no input gradient)."""
    need = ctx.needs_input_grad
    grad_x = grad_w = grad_b = None
    if need[0] or need[1]:
        grad_x, grad_w, _ = _conv_backward(grad_out, x, weight, None, *geometry, (need[0], need[1], False))
    if ctx.has_bias and need[2]:
        # `make bench-layers` on the 2-core machine: seed 000's ConvTranspose2d 64 -> 32 (14 -> 28, batch 512),
        # forward + backward 177 ms with oneDNN's bias gradient, 121 ms with this sum.
        grad_b = grad_out.sum((0, 2, 3))
    return grad_x, grad_w, grad_b


class _Conv(torch.autograd.Function):
    """aten.convolution forward (oneDNN on the CPU); backward by `_conv_grads`."""

    @staticmethod
    def forward(ctx, x, weight, bias, geometry):
        ctx.save_for_backward(x, weight)
        ctx.geometry, ctx.has_bias = geometry, bias is not None
        return torch.ops.aten.convolution(x, weight, bias, *geometry)

    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved_tensors
        return *_conv_grads(ctx, grad_out, x, weight, ctx.geometry), None


def _plain_geometry(conv: nn.Conv2d | nn.ConvTranspose2d) -> bool:
    """A conv the aten op computes as is (zero padding given as numbers, not 'same'/'valid' or another mode),
    outside tracing (traced graphs get the parent's plain form)."""
    return not _traced() and conv.padding_mode == "zeros" and not isinstance(conv.padding, str)


class CPUConv2d(nn.Conv2d):
    """nn.Conv2d whose CPU backward takes the bias gradient as a sum (see `_conv_grads`); elsewhere the parent."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.device.type != "cpu" or not _plain_geometry(self):
            return super().forward(x)
        geometry = (self.stride, self.padding, self.dilation, False, (0, 0), self.groups)
        return _Conv.apply(x, self.weight, self.bias, geometry)


class CPUConvTranspose2d(nn.ConvTranspose2d):
    """nn.ConvTranspose2d whose CPU backward takes the bias gradient as a sum; elsewhere the parent."""

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        if output_size is not None or x.ndim != 4 or x.device.type != "cpu" or not _plain_geometry(self):
            return super().forward(x, output_size)
        geometry = (self.stride, self.padding, self.dilation, True, self.output_padding, self.groups)
        return _Conv.apply(x, self.weight, self.bias, geometry)


class _PhaseConvTranspose(torch.autograd.Function):
    """ConvTranspose2d with kernel = 2 * stride as one matmul and four shifted adds (forward); backward by
    `_conv_grads`."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride: int, padding: int):
        b, c, h, w = x.shape
        s, co = stride, weight.shape[1]
        # Kernel row kh = s*q + r (q in {0, 1}): tap (q, r) of input row i lands on output row s*(i+q) + r; the same
        # for columns with kw = s*u + t. Matmul columns ordered (co, r, t, q, u) make the four contributions to each
        # output phase (r, t) contiguous [H, W] slabs.
        w_cols = _weights_as_columns(weight.view(c, co, 2, s, 2, s), (0, 1, 3, 5, 2, 4))
        cols = _map_matmul(x, w_cols).view(b, co * s * s, 2, 2, h, w)
        phases = x.new_zeros(b, co * s * s, h + 1, w + 1)  # [B, co*s*s, H+1, W+1]: one grid per output phase
        phases[:, :, :h, :w] = cols[:, :, 0, 0]
        phases[:, :, :h, 1:] += cols[:, :, 0, 1]
        phases[:, :, 1:, :w] += cols[:, :, 1, 0]
        phases[:, :, 1:, 1:] += cols[:, :, 1, 1]
        # Interleave the phases into the full (uncropped) output, then crop the padding.
        full = phases.view(b, co, s, s, h + 1, w + 1).permute(0, 1, 4, 2, 5, 3).reshape(b, co, s * h + s, s * w + s)
        out_h, out_w = s * (h - 1) + 2 * s - 2 * padding, s * (w - 1) + 2 * s - 2 * padding
        out = full[:, :, padding : padding + out_h, padding : padding + out_w]
        out = out + bias.view(1, -1, 1, 1) if bias is not None else out.contiguous()
        ctx.save_for_backward(x, weight)
        ctx.geometry = ((stride, stride), (padding, padding), (1, 1), True, (0, 0), 1)
        ctx.has_bias = bias is not None
        return out

    @staticmethod
    def backward(ctx, grad_out):
        # oneDNN's backward of this layer is fast (about 1 ms for both gradients at seed 002's shapes).
        x, weight = ctx.saved_tensors
        return *_conv_grads(ctx, grad_out, x, weight, ctx.geometry), None, None


class PhaseConvTranspose2d(CPUConvTranspose2d):
    """nn.ConvTranspose2d (kernel = 2 * stride, few output channels) computed as one matmul + four shifted adds."""

    def _fast(self) -> bool:
        return (
            _plain_geometry(self)
            and self.kernel_size[0] == self.kernel_size[1] == 2 * self.stride[0]
            and self.stride[0] == self.stride[1]
            and self.padding[0] == self.padding[1] < self.kernel_size[0]
            and self.output_padding == (0, 0)
            and self.dilation == (1, 1)
            and self.groups == 1
            and self.out_channels <= MAX_FAST_OUT_CHANNELS
        )

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        if output_size is not None or x.ndim != 4 or x.device.type != "cpu" or not self._fast():
            return super().forward(x, output_size)  # cuDNN and friends have no such weakness
        return _PhaseConvTranspose.apply(x, self.weight, self.bias, self.stride[0], self.padding[0])


def _shifted_add(out: torch.Tensor, src: torch.Tensor, dy: int, dx: int) -> None:
    """out[..., y, x] += src[..., y + dy, x + dx] wherever both are inside the [H, W] grid."""
    h, w = out.shape[-2:]
    oy, ox = slice(max(0, -dy), h - max(0, dy)), slice(max(0, -dx), w - max(0, dx))
    sy, sx = slice(max(0, dy), h + min(0, dy)), slice(max(0, dx), w + min(0, dx))
    out[..., oy, ox] += src[..., sy, sx]


class _SameConv(torch.autograd.Function):
    """Stride-1 'same' Conv2d with few output channels: forward as one batched matmul + shifted adds of image
    slabs (half of oneDNN's time at batch 512); backward by `_conv_grads`."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        b, c, h, w = x.shape
        co, _, k, _ = weight.shape
        p = k // 2
        # slabs[b, o, dy, dx] = sum_c weight[o, c, dy, dx] * x[b, c]; out[y, x] = sum over taps of the slab at
        # (y + dy - p, x + dx - p).
        slabs = _map_matmul(x, _weights_as_columns(weight, (1, 0, 2, 3))).view(b, co, k, k, h, w)
        out = slabs[:, :, p, p].clone()
        for dy in range(k):
            for dx in range(k):
                if (dy, dx) != (p, p):
                    _shifted_add(out, slabs[:, :, dy, dx], dy - p, dx - p)
        if bias is not None:
            out += bias.view(1, -1, 1, 1)
        ctx.save_for_backward(x, weight)
        ctx.geometry = ((1, 1), (p, p), (1, 1), False, (0, 0), 1)
        ctx.has_bias = bias is not None
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved_tensors
        return _conv_grads(ctx, grad_out, x, weight, ctx.geometry)


class SameConv2d(CPUConv2d):
    """nn.Conv2d (stride 1, odd kernel, 'same' zero padding, few output channels), computed faster on the CPU."""

    def _fast(self) -> bool:
        k = self.kernel_size[0]
        return (
            _plain_geometry(self)
            and self.kernel_size == (k, k)
            and k % 2 == 1
            and self.padding == (k // 2, k // 2)
            and self.stride == (1, 1)
            and self.dilation == (1, 1)
            and self.groups == 1
            and self.out_channels <= MAX_FAST_OUT_CHANNELS
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.device.type != "cpu" or not self._fast():
            return super().forward(x)
        return _SameConv.apply(x, self.weight, self.bias)


class MapLinear(nn.Linear):
    """nn.Linear(in, C*H*W) + reshape to a [B, C, H, W] map, emitted in channels-last memory.

    The parameters keep nn.Linear's (C, H, W) output order, so checkpoints are those of Linear + Reshape; the
    forward permutes the (small) weight instead of the (large) output, so no NCHW -> NHWC copy of the map is
    needed before the convolutions, forward or backward."""

    def __init__(self, in_features: int, shape: tuple[int, int, int]):
        c, h, w = shape
        super().__init__(in_features, c * h * w)
        self.shape = shape

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        c, h, w = self.shape
        if _traced():  # exported graphs keep the plain form
            return F.linear(z, self.weight, self.bias).view(-1, c, h, w)
        weight = self.weight.view(c, h, w, -1).permute(1, 2, 0, 3).reshape(c * h * w, -1)  # rows in (H, W, C) order
        bias = self.bias.view(c, h, w).permute(1, 2, 0).reshape(-1)
        return F.linear(z, weight, bias).view(-1, h, w, c).permute(0, 3, 1, 2)  # [B, C, H, W], channels-last


def map_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """F.linear(x.flatten(1), weight, bias) for flat features or a map x [B, C, H, W] in either memory format,
    without copying x.

    A channels-last map flattens for free in (H, W, C) order; the weight's columns are permuted to match."""
    if x.ndim != 4:
        return F.linear(x, weight, bias)
    b, c, h, w = x.shape
    if x.is_contiguous() or _traced():
        return F.linear(x.reshape(b, -1), weight, bias)
    weight = weight.view(-1, c, h, w).permute(0, 2, 3, 1).reshape(weight.shape[0], -1)
    return F.linear(x.permute(0, 2, 3, 1).reshape(b, -1), weight, bias)


class FlattenLinear(nn.Linear):
    """nn.Flatten + nn.Linear on a feature map, without the layout copy a channels-last map needs to flatten."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return map_linear(x, self.weight, self.bias)
