"""Fixture generator: tiny, randomly initialised encoder bodies in their real format.

``write_tiny_bert`` builds a real ``BertModel`` from a tiny config plus a real WordPiece
tokenizer (a small vocabulary of characters), saves both with ``save_pretrained`` and returns
the folder, which the cross-modal adapters load as they load a hub snapshot
(``model.model_id=<folder>``). ``write_tiny_vit`` does the same for a ViT image encoder.
Run ``python tests/fms/crossmodal/tiny_bodies.py OUT_DIR`` to write both.
"""
from __future__ import annotations

import string
import sys
from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def write_tiny_bert(folder: Path | str, seed: int = 0, hidden: int = 32,
                    max_positions: int = 64) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chars = string.ascii_lowercase + string.digits + string.punctuation
    vocab = SPECIAL + list(chars) + [f"##{c}" for c in chars]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab=str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=2 * hidden,
                     max_position_embeddings=max_positions, hidden_dropout_prob=0.0,
                     attention_probs_dropout_prob=0.0)
    BertModel(cfg).save_pretrained(folder)
    return folder


def write_tiny_vit(folder: Path | str, seed: int = 0) -> Path:
    import torch
    from transformers import ViTConfig, ViTModel

    torch.manual_seed(seed)
    cfg = ViTConfig(image_size=32, patch_size=8, num_channels=3, hidden_size=32,
                    num_hidden_layers=2, num_attention_heads=4, intermediate_size=64)
    ViTModel(cfg, add_pooling_layer=False).save_pretrained(folder)
    return Path(folder)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-bodies")
    print(write_tiny_bert(out / "bert"), write_tiny_vit(out / "vit"))
