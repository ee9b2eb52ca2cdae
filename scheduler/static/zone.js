/* Tell the server the device's time zone once, in a cookie, so a person who never chose a
   zone still reads her own local times (notifications/personal.py saves it). */
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || document.cookie.indexOf("device_tz=" + encodeURIComponent(zone)) !== -1) { return; }
  document.cookie = "device_tz=" + encodeURIComponent(zone) +
    "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
}());
