"""allauth's email verification step, skipped for accounts staff made without an address.
Only named by its path (scheduler.account_adapter): allauth's stages module must not be
imported while allauth itself is still loading."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage


class StaffMadeAccountStage(EmailVerificationStage):
    """Email verification, except for accounts staff made without any address (the demo's,
    liaisons and drivers set up in the admin): there is nothing to verify, and asking would
    lock them out. Every account made by sign-up has an address and must prove it."""

    def handle(self):  # type: ignore[no-untyped-def]
        user = self.login.user
        if (not self.login.signup and user is not None and not user.email
                and not EmailAddress.objects.filter(user_id=user.pk).exists()):
            return None, True
        return super().handle()
