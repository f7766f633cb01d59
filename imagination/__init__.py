"""imagination: the conditional adversarial auto-encoder of CLIFER (Keras 3).

Its encoder gives 50-d face features; its generator translates a face into
each expression. (Built in its own issue; nothing here yet.)
"""
