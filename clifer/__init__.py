"""clifer: continual, personalised facial expression recognition (CLIFER).

Composes the ``gwr`` Growing Dual Memory and the ``imagination`` model into the
paper's Algorithm 1 (Churamani & Gunes, FG 2020). (Built in its own issue.)
"""
