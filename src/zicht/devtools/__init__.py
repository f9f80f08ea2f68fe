"""Developer tools: the demo network launcher, a throwaway PostgreSQL cluster, Chromium.

Nothing here is imported by the application itself; these modules are run with
``python -m zicht.devtools.<name>`` from the Makefile, CI and benchmarks.
"""
