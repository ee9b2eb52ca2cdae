/* The video call: WebRTC between the browsers, signalling over /ws/call/<booking>/.
   No framework, no third-party script. The server decides who may join and until when;
   this page only follows (it shows the time left the server gave it). */
(function () {
  "use strict";
  var root = document.getElementById("call");
  if (!root) return;
  var T = JSON.parse(document.getElementById("call-texts").textContent);
  var ICE = JSON.parse(document.getElementById("call-ice").textContent);
  var role = root.dataset.role;
  var $ = function (sel) { return root.querySelector(sel); };
  var status = $("[data-call-status]"), left = $("[data-call-left]");
  var stage = $("[data-stage]"), remotes = $("[data-remotes]"), selfView = $("[data-self]");
  var joinButton = $("[data-join]"), controls = $("[data-controls]");
  var staffNote = $("[data-staff-present]");
  var state = { ws: null, me: null, peers: {}, local: null, seq: 0, endsAt: 0, over: false,
                leaving: false, facing: "user", timer: null, weak: 0 };
  // For the browser test and for support: when Join was pressed and the first remote frame.
  window.callTimes = { joinPressed: 0, firstFrame: 0 };

  function say(text) { status.textContent = text; }

  function send(message) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
  }

  async function join() {
    window.callTimes.joinPressed = performance.now();
    joinButton.disabled = true;
    say(T.connecting);
    if (role !== "monitor" && !state.local) {
      try {
        state.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { facingMode: state.facing } });
      } catch (err) {
        joinButton.disabled = false;
        say(T.no_camera);
        return;
      }
      selfView.srcObject = state.local;
    }
    stage.hidden = false;
    openSocket();
  }

  function openSocket() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + "/ws/call/" + root.dataset.booking + "/?lang=" + root.dataset.lang;
    var ws = new WebSocket(url);
    state.ws = ws;
    ws.onmessage = function (e) { handle(JSON.parse(e.data)); };
    ws.onclose = function (e) { closed(ws, e.code); };
  }

  function handle(m) {
    var on = {
      welcome: welcome, joined: joined, left: peerLeft, offer: offer, answer: answer,
      ice: ice, error: refused, pong: function () {}
    }[m.type];
    if (on) Promise.resolve(on(m)).catch(function (err) { console.warn("call:", err); });
  }

  function welcome(m) {
    state.me = m.peer;
    state.endsAt = Date.now() + m.seconds_left * 1000;  // the server's clock, not the phone's
    root.dataset.state = "joined";
    joinButton.hidden = true;
    controls.hidden = false;
    say(m.peers.length ? T.connecting : T.waiting);
    tick();
    clearInterval(state.timer);  // a reconnect must not start a second clock
    state.timer = setInterval(tick, 1000);
    m.peers.forEach(function (p) { note(p); connect(p.peer, true); });
  }

  function joined(m) { note(m); say(T.connecting); }

  function note(p) {
    if (!state.peers[p.peer]) state.peers[p.peer] = { role: p.role, pc: null };
    state.peers[p.peer].role = p.role;
    state.peers[p.peer].name = p.name;
    staffCheck();
  }

  function staffCheck() {
    staffNote.hidden = !Object.keys(state.peers).some(function (k) { return state.peers[k].role === "monitor"; });
  }

  function peerLeft(m) {
    var p = state.peers[m.peer];
    if (p && p.pc) p.pc.close();
    var figure = remotes.querySelector('[data-peer="' + m.peer + '"]');
    if (figure) figure.remove();
    delete state.peers[m.peer];
    staffCheck();
    if (!remotes.children.length) say(T.waiting);
  }

  function connect(peer, initiator) {
    var entry = state.peers[peer] || (state.peers[peer] = { role: "", pc: null });
    if (entry.pc) entry.pc.close();
    var pc = new RTCPeerConnection({ iceServers: ICE });
    entry.pc = pc;
    if (state.local) state.local.getTracks().forEach(function (t) { pc.addTrack(t, state.local); });
    else if (initiator) {  // a monitor sends nothing but must still ask for both
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    pc.onicecandidate = function (e) { if (e.candidate) send({ type: "ice", to: peer, candidate: e.candidate.toJSON() }); };
    pc.ontrack = function (e) { show(peer, e.streams[0] || new MediaStream([e.track])); };
    pc.oniceconnectionstatechange = function () {
      if (pc.iceConnectionState === "failed" && initiator) offerTo(peer, pc, true);
    };
    if (initiator) offerTo(peer, pc, false);
    return pc;
  }

  async function offerTo(peer, pc, restart) {
    var description = await pc.createOffer(restart ? { iceRestart: true } : {});
    await pc.setLocalDescription(description);
    send({ type: "offer", to: peer, seq: ++state.seq, sdp: pc.localDescription.sdp });
  }

  async function offer(m) {
    var entry = state.peers[m.from];
    var pc = entry && entry.pc && entry.pc.signalingState !== "closed" ? entry.pc : connect(m.from, false);
    await pc.setRemoteDescription({ type: "offer", sdp: m.sdp });
    var description = await pc.createAnswer();
    await pc.setLocalDescription(description);
    send({ type: "answer", to: m.from, seq: ++state.seq, sdp: pc.localDescription.sdp });
  }

  async function answer(m) {
    var entry = state.peers[m.from];
    if (entry && entry.pc) await entry.pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
  }

  async function ice(m) {
    var entry = state.peers[m.from];
    if (entry && entry.pc) await entry.pc.addIceCandidate(m.candidate);
  }

  function show(peer, stream) {
    var figure = remotes.querySelector('[data-peer="' + peer + '"]');
    if (!figure) {
      figure = document.createElement("figure");
      figure.dataset.peer = peer;
      var video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      var caption = document.createElement("figcaption");
      caption.textContent = (state.peers[peer] || {}).name || "";
      figure.appendChild(video);
      figure.appendChild(caption);
      remotes.appendChild(figure);
      firstFrame(video);
    }
    var player = figure.querySelector("video");
    if (player.srcObject !== stream) player.srcObject = stream;
    say(T.connected);
  }

  function firstFrame(video) {
    var seen = function () {
      if (!window.callTimes.firstFrame) window.callTimes.firstFrame = performance.now();
    };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(seen);
    else video.addEventListener("playing", seen, { once: true });
  }

  function refused(m) {
    // Errors about one message leave the call on; the others come just before the server
    // closes the socket (refused, ended, time over).
    if (["replayed", "no_such_peer", "bad_message", "invalid", "not_staff"].indexOf(m.code) >= 0) {
      console.warn("call:", m.message);
      return;
    }
    state.over = true;
    say(m.message);
  }

  function closed(ws, code) {
    if (ws !== state.ws) return;
    var final = state.over || state.leaving || code === 4403 || code === 4000;
    Object.keys(state.peers).forEach(function (k) { if (state.peers[k].pc) state.peers[k].pc.close(); });
    state.peers = {};
    remotes.textContent = "";
    if (!final && Date.now() < state.endsAt) {  // a network change: try again within the slot
      say(T.reconnecting);
      setTimeout(openSocket, 2000);
      return;
    }
    clearInterval(state.timer);
    root.dataset.state = "over";
    if (state.leaving) say(T.you_left);
    controls.hidden = true;
    stage.hidden = true;
    $("[data-back]").hidden = false;
    left.hidden = true;
    if (state.local) state.local.getTracks().forEach(function (t) { t.stop(); });
  }

  function tick() {
    var seconds = Math.max(0, Math.round((state.endsAt - Date.now()) / 1000));
    left.hidden = false;
    left.textContent = T.time_left.replace("%(minutes)s", Math.floor(seconds / 60))
      .replace("%(seconds)s", String(seconds % 60).padStart(2, "0"));
    if (seconds % 5 === 0) checkQuality();
  }

  /* On a weak link, stop sending video and keep the voice (and say so). */
  async function checkQuality() {
    var video = state.local && state.local.getVideoTracks()[0];
    if (!video || state.userCameraOff) return;
    var weak = false;
    for (var k in state.peers) {
      var pc = state.peers[k].pc;
      if (!pc) continue;
      (await pc.getStats()).forEach(function (r) {
        if (r.type === "candidate-pair" && r.nominated && r.availableOutgoingBitrate && r.availableOutgoingBitrate < 100000) weak = true;
      });
    }
    state.weak = weak ? state.weak + 1 : 0;
    var audioOnly = state.weak >= 2;
    if (video.enabled === audioOnly) { video.enabled = !audioOnly; if (audioOnly) say(T.audio_only); }
  }

  function toggle(button, kind, onText, offText) {
    var track = state.local && (kind === "audio" ? state.local.getAudioTracks() : state.local.getVideoTracks())[0];
    if (!track) return;
    track.enabled = !track.enabled;
    if (kind === "video") state.userCameraOff = !track.enabled;
    button.setAttribute("aria-pressed", String(!track.enabled));
    button.textContent = track.enabled ? onText : offText;
  }

  async function switchCamera() {
    var facing = state.facing === "user" ? "environment" : "user";
    var fresh;
    try {
      fresh = (await navigator.mediaDevices.getUserMedia({ video: { facingMode: { exact: facing } } })).getVideoTracks()[0];
    } catch (err) { say(T.one_camera); return; }
    var old = state.local.getVideoTracks()[0];
    Object.keys(state.peers).forEach(function (k) {
      var pc = state.peers[k].pc;
      if (!pc) return;
      pc.getSenders().forEach(function (s) { if (s.track && s.track.kind === "video") s.replaceTrack(fresh); });
    });
    state.local.removeTrack(old); old.stop(); state.local.addTrack(fresh);
    state.facing = facing;
    selfView.srcObject = state.local;
  }

  /* Frames each remote picture decoded so far: for the browser test and for support. */
  window.callStats = async function () {
    var out = {};
    for (var k in state.peers) {
      var pc = state.peers[k].pc;
      if (!pc) continue;
      out[k] = { role: state.peers[k].role, framesDecoded: 0, framesReceived: 0 };
      (await pc.getStats()).forEach(function (r) {
        if (r.type === "inbound-rtp" && r.kind === "video") {
          out[k].framesDecoded += r.framesDecoded || 0;
          out[k].framesReceived += r.framesReceived || 0;
        }
      });
    }
    return out;
  };

  /* Drop the socket as a network change would (support and tests): the page reconnects. */
  window.callDrop = function () { if (state.ws) state.ws.close(); };

  if (root.dataset.opensIn) {  // opened early: come back to life when the room opens
    setTimeout(function () { location.reload(); }, (Number(root.dataset.opensIn) + 2) * 1000);
  }
  if (joinButton) joinButton.addEventListener("click", join);
  var mute = $("[data-mute]"), camera = $("[data-camera]"), swap = $("[data-switch]");
  if (mute) mute.addEventListener("click", function () { toggle(mute, "audio", T.mute, T.unmute); });
  if (camera) camera.addEventListener("click", function () { toggle(camera, "video", T.camera_off, T.camera_on); });
  if (swap) swap.addEventListener("click", switchCamera);
  $("[data-hangup]").addEventListener("click", function () {
    state.leaving = true;
    send({ type: "leave" });
    if (state.ws) state.ws.close();
  });
})();
