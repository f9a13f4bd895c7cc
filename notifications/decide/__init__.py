"""Pure deciders of the hub: frozen records in, intents out; no database, network or clock.

The pipelines (poller, outbox, use cases) read the store, call a decider, and write what it
decided: each decision can be tested with a table of cases, without a database.
"""
