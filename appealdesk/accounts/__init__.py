"""Accounts and signing in, for the desk, the portal and the admin.

The portal account model (`models.PortalAccount`), the idle time-out (`idle`), the second
factor: TOTP enrolment, verification and recovery codes (`mfa`), django-axes' locked-out page
(`lockout`) and the queued password reset (`passwords`). Below the case core; see
docs/layers.md.
"""
