"""The mail server and what comes back from it: transports (SMTP, the outbox folder) that
take finished bytes, bounce and complaint reports read into findings, and those findings
applied to the subscriber list.

May import common/, storage/ and audience/. reports.py is pure; transport.py is the only
module that talks SMTP.
"""
