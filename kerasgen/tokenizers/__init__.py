"""Text tokenizers (prompts to token ids), for text-conditioned models.

Empty for now. Image tokenizers are models (an encoder, a quantizer and a
decoder trained together): their base is `kerasgen.models.ImageTokenizer`.
"""
