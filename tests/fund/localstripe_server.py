"""Run localstripe on 127.0.0.1 only, on a free port printed on the first line of stdout.

localstripe's own command line binds every interface (`::`), so the tests start its
aiohttp app from here instead. Two things real Stripe does that localstripe 1.15 lacks
are added with localstripe's own machinery (its objects, `Event` and signed
`schedule_webhook`), so they reach the app exactly like its other webhooks:

- a refund sends `charge.refunded` (localstripe records refunds but sends no event);
- disputes: `POST /_test/charges/<id>/dispute` opens one (`charge.dispute.created`) and
  `POST /_test/disputes/<id>/close` with `status=won|lost` closes it
  (`charge.dispute.closed`). Real Stripe opens disputes from test cards; localstripe has
  no disputes at all.

State stays in memory: localstripe's pickle in /tmp is not written.
"""

import socket
import sys

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.server import app, get_post_data, json_response
from localstripe.webhooks import schedule_webhook

resources.store.dump_to_disk = lambda: None

_refund_init = resources.Refund.__init__


def _refund_init_with_event(self, *args, **kwargs):
    _refund_init(self, *args, **kwargs)
    charge = resources.Charge._api_retrieve(self.charge)
    schedule_webhook(resources.Event("charge.refunded", charge))


resources.Refund.__init__ = _refund_init_with_event


class Dispute(resources.StripeObject):
    object = "dispute"
    _id_prefix = "dp_"

    def __init__(self, charge=None, **kwargs):
        charge_obj = resources.Charge._api_retrieve(charge)
        super().__init__()
        self.charge = charge_obj.id
        self.payment_intent = charge_obj.payment_intent
        self.amount = charge_obj.amount
        self.currency = charge_obj.currency
        self.reason = "fraudulent"
        self.status = "needs_response"
        self.metadata = {}


async def open_dispute(request):
    dispute = Dispute(charge=request.match_info["id"])
    schedule_webhook(resources.Event("charge.dispute.created", dispute))
    return json_response(dispute._export())


async def close_dispute(request):
    dispute = Dispute._api_retrieve(request.match_info["id"])
    status = (await get_post_data(request) or {}).get("status")
    if status not in ("won", "lost"):
        raise UserError(400, "status must be won or lost")
    dispute.status = status
    schedule_webhook(resources.Event("charge.dispute.closed", dispute))
    return json_response(dispute._export())


app.router.add_post("/_test/charges/{id}/dispute", open_dispute)
app.router.add_post("/_test/disputes/{id}/close", close_dispute)


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    sys.exit(main())
