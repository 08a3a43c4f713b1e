"""Evaluating EE expression graphs: values, references, closures and algorithm calls, binding a call's arguments
to an implementation of the registry (evaluate.py), with what an evaluation can see (context.py).
"""
