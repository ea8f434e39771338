"""Governed data exchange: data elements, registries, sharing agreements, consent, access log.

Other apps use :mod:`.services`, :mod:`.selectors`, :mod:`.constants`, :mod:`.types` and
:mod:`.hooks`; registry tables are private to this app.
"""
