"""Storage: the store protocols, the stored records and the backends.

:mod:`.protocols` has one protocol per concern (submissions, outbox, schedule log,
subscriptions) and ``Store``, the four together; :mod:`.records` the stored values;
:mod:`.sql` the SQL base shared by :mod:`.sqlite` (and :mod:`.memory`) and the PostgreSQL
plugin; :mod:`.erasure` what erasing a submitter removes. Every store method is one
transaction; the outbox event is written in the same one as the change that caused it.
Storage imports nothing from the plugin host, the application or the CLI.
"""
