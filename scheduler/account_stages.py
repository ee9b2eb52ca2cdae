"""allauth's email verification step, skipped for accounts staff made without an address.
Only named by its path (scheduler.account_adapter): allauth's stages module must not be
imported while allauth itself is still loading."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage


class StaffMadeAccountStage(EmailVerificationStage):
    """Email verification, except for accounts without any address: those staff made (the
    demo's, liaisons and drivers set up in the admin) and caregivers who signed up with a
    mobile number only. There is no address to verify, and asking would lock them out; a
    number given on sign-up is proved by allauth's own phone step, which comes next."""

    def handle(self):  # type: ignore[no-untyped-def]
        user = self.login.user
        if (user is not None and not user.email
                and not EmailAddress.objects.filter(user_id=user.pk).exists()):
            return None, True
        return super().handle()
