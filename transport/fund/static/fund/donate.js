// Step 2 of the donation page: Stripe's Payment Element, loaded from Stripe.
// If Stripe.js cannot load (offline, blocked), say so plainly and offer to try again:
// the page is never left blank or spinning.
(function () {
  "use strict";
  var form = document.getElementById("pay");
  if (!form) return;
  var loading = document.getElementById("card-loading");
  var failed = document.getElementById("card-failed");
  var retry = document.getElementById("card-retry");
  var payButton = document.getElementById("pay-button");
  var payError = document.getElementById("pay-error");
  var texts = JSON.parse(document.getElementById("pay-texts").textContent);
  var LOAD_TIMEOUT_MS = 15000;
  var stripe = null, elements = null, timer = null;

  function show(state) {
    loading.hidden = state !== "loading";
    failed.hidden = state !== "failed";
    payButton.hidden = state !== "ready";
    if (state === "failed") retry.focus();
  }

  function fail() {
    clearTimeout(timer);
    show("failed");
  }

  function mount() {
    clearTimeout(timer);
    if (typeof window.Stripe !== "function") return fail();
    try {
      stripe = window.Stripe(form.dataset.key);
      elements = stripe.elements({ clientSecret: form.dataset.secret });
      var element = elements.create("payment");
      element.on("ready", function () { show("ready"); });
      element.on("loaderror", fail);
      element.mount("#payment-element");
      timer = setTimeout(function () { if (payButton.hidden) fail(); }, LOAD_TIMEOUT_MS);
    } catch (e) {
      fail();
    }
  }

  function load() {
    show("loading");
    if (typeof window.Stripe === "function") return mount();
    var old = document.getElementById("stripe-js");
    if (old) old.remove();
    var script = document.createElement("script");
    script.id = "stripe-js";
    script.src = form.dataset.stripeJs;
    script.onload = mount;
    script.onerror = fail;
    document.head.appendChild(script);
    timer = setTimeout(fail, LOAD_TIMEOUT_MS);
  }

  retry.addEventListener("click", load);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!stripe || !elements) return fail();
    payButton.disabled = true;
    payError.hidden = true;
    var confirm = form.dataset.mode === "setup" ? stripe.confirmSetup : stripe.confirmPayment;
    confirm.call(stripe, { elements: elements, confirmParams: { return_url: form.dataset.return } })
      .then(function (result) {
        if (result && result.error) {
          payError.textContent = result.error.message || texts.failed;
          payError.hidden = false;
          payButton.disabled = false;
        }
      }, function () {
        payError.textContent = texts.failed;
        payError.hidden = false;
        payButton.disabled = false;
      });
  });

  load();
})();
