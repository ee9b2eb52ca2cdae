"""Write services of visits. Each public function is one transaction."""

from visits.services.applications import (
    Consent,
    application_answer,
    application_decide,
    application_submit,
    applications_expire_due,
)
from visits.services.booking import (
    BookingResult,
    SessionFull,
    SupportNeeds,
    booking_cancel,
    booking_create,
    offer_accept,
    offer_pass,
    offers_expire,
)
from visits.services.calendar_tokens import (
    calendar_token_ensure,
    calendar_token_revoke,
    calendar_token_rotate,
)
from visits.services.facility_info import facility_info_save
from visits.services.household import (
    household_open,
    visitor_add,
    visitor_remove,
    visitor_update,
)
from visits.services.liaison import (
    approval_decide,
    booking_check_in,
    booking_confirm,
    booking_decline,
    booking_mark_no_show,
    closure_check,
    closure_create,
    session_close,
)
from visits.services.messages import facility_message_send
from visits.services.reschedule import booking_reschedule
from visits.services.round_draw import (
    DrawSummary,
    VerifyResult,
    round_allocate,
    round_verify,
    rounds_allocate_due,
)
from visits.services.rounds import (
    RoundInProgress,
    request_change,
    request_submit,
    request_withdraw,
    rounds_cancel_for_rule,
    rounds_open_due,
)
from visits.services.rules import (
    RuleSaved,
    rule_check,
    rule_draft,
    rule_end,
    rule_save,
    rule_save_for_liaison,
    rule_set_active,
)
from visits.services.sessions import rule_sync_sessions, sessions_fill_horizon

__all__ = [
    "BookingResult",
    "DrawSummary",
    "RoundInProgress",
    "RuleSaved",
    "VerifyResult",
    "SessionFull",
    "SupportNeeds",
    "applications_expire_due",
    "approval_decide",
    "booking_cancel",
    "booking_check_in",
    "booking_confirm",
    "booking_create",
    "booking_decline",
    "booking_mark_no_show",
    "booking_reschedule",
    "calendar_token_ensure",
    "calendar_token_revoke",
    "calendar_token_rotate",
    "closure_check",
    "closure_create",
    "facility_info_save",
    "facility_message_send",
    "rounds_cancel_for_rule",
    "Consent",
    "application_answer",
    "application_decide",
    "application_submit",
    "household_open",
    "visitor_add",
    "visitor_remove",
    "visitor_update",
    "offer_accept",
    "offer_pass",
    "offers_expire",
    "request_change",
    "request_submit",
    "request_withdraw",
    "round_allocate",
    "round_verify",
    "rounds_allocate_due",
    "rounds_open_due",
    "rule_check",
    "rule_draft",
    "rule_end",
    "rule_save",
    "rule_save_for_liaison",
    "rule_set_active",
    "rule_sync_sessions",
    "session_close",
    "sessions_fill_horizon",
]
