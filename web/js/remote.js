// Remote participation (docs/protocol.md, "Remote participation (WebRTC)"):
// a delegate away from the hall sends their camera and microphone to the
// sitting and gets its program (picture and sound) back, on the same page
// and connection with which they check in, ask to speak and vote.
//
// The server answers, never offers: rtc.join gives the ICE servers; we make
// the RTCPeerConnection (max-bundle), add our tracks and send rtc.offer; the
// server pushes rtc.answer, its candidates (rtc.ice) and rtc.state, which
// Live hands to onRtc(). Ours trickle as rtc.ice, only after the offer.
//
// The card is built once and updated in place: the page puts it in a slot
// that its patch() leaves alone (data-keep), so the videos keep playing and
// a button is never replaced under a finger.
import { el, patch } from "./live.js";
import { t } from "./i18n.js";
import { clearMessage, showError } from "./page.js";

// Reasons of rtc.state failed/closed that have words; others are shown as sent.
const REASONS = ["ice_timeout", "ice_failed", "no_media", "negotiation_failed", "room_closed"];

export class Remote {
  // live: a connection with request() and onRtc (Live, or the voter
  // meeting's). opts.canJoin says whether joining is possible now (by
  // default: a sitting is open); opts.canWatch, when given, whether
  // watching (the program only, receive-only: no camera asked for) is;
  // opts.keys renames the card's strings (title, hint, join, not_ready,
  // watch) for another page; opts.hint may return the hint's key instead.
  constructor(live, opts = {}) {
    this.live = live;
    this.canJoin = opts.canJoin || (() => !!(live.state && live.state.open_sitting_id));
    this.canWatch = opts.canWatch || null;
    this.hintKey = opts.hint || null;
    this.watching = false; // in the room to watch only: no camera, no microphone
    this.keys = { title: "remote.title", hint: "remote.hint", join: "remote.join", not_ready: "remote.no_sitting", watch: "remote.watch", ...(opts.keys || {}) };
    this.phase = "idle"; // idle, joining, in_room (see this.server), left, lost, failed
    this.server = null; // the last rtc.state: {state, on_air, muted, reason}
    this.pc = null;
    this.stream = null; // our camera and microphone
    this.micOff = false; // muted by us (the track disabled), not by the chair
    this.offered = false; // our candidates wait until the offer is sent
    this.ours = []; // our candidates gathered before that
    this.theirs = []; // the server's candidates that came before its answer
    this.answered = false;
    this.rejoin = false; // join again once the live connection is back
    this.problem = null; // a local failure (the camera refused, ...) in words
    this.build();
  }

  // --- the card ---------------------------------------------------------------

  build() {
    const video = (id, muted) => {
      const v = el("video", { id, autoplay: true, playsinline: true, muted });
      v.muted = !!muted; // the attribute alone does not mute a stream
      return v;
    };
    this.program = video("remote-program", false);
    this.preview = video("remote-preview", true);
    this.camera = el("select", { id: "remote-camera", onchange: () => this.switchDevice("video") });
    this.mic = el("select", { id: "remote-mic", onchange: () => this.switchDevice("audio") });
    this.views = el("div", { class: "remote-views", hidden: true },
      el("figure", { class: "program" }, this.program, el("figcaption", { "data-i18n": "remote.program" }, t("remote.program"))),
      el("figure", { class: "preview" }, this.preview, el("figcaption", { "data-i18n": "remote.preview" }, t("remote.preview"))));
    this.devices = el("div", { class: "row devices", hidden: true },
      el("label", { for: "remote-camera", "data-i18n": "remote.camera" }, t("remote.camera")), this.camera,
      el("label", { for: "remote-mic", "data-i18n": "remote.microphone" }, t("remote.microphone")), this.mic);
    this.controls = el("div", { class: "row", id: "remote-controls" });
    this.stateLine = el("p", { id: "remote-state", role: "status", "aria-live": "polite" });
    this.hint = el("p", { class: "hint", id: "remote-hint", "data-i18n": this.keys.hint }, t(this.keys.hint));
    this.root = el("section", { class: "card remote", id: "remote", "aria-labelledby": "remote-h" },
      el("h2", { id: "remote-h", "data-i18n": this.keys.title }, t(this.keys.title)),
      this.hint,
      this.views, this.devices, this.controls, this.stateLine);
  }

  card() {
    return this.root;
  }

  get inRoom() {
    return this.phase === "joining" || this.phase === "in_room";
  }

  // Redraws the buttons and the state line from what we know; called by the
  // page on each change of the session (a sitting opening, the language).
  update() {
    const sitting = this.canJoin();
    const watchable = !!this.canWatch && this.canWatch() && typeof RTCPeerConnection === "function";
    const supported = typeof RTCPeerConnection === "function" && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
    const b = (id, label, onclick, cls = "") => el("button", { type: "button", id, class: cls, onclick }, label);
    if (this.hintKey) {
      const k = this.hintKey();
      if (this.hint.dataset.i18n !== k || this.hint.textContent !== t(k)) {
        this.hint.dataset.i18n = k;
        this.hint.textContent = t(k);
      }
    }
    // A page with watching offers the camera only to whom may use it now.
    const offerCamera = !this.canWatch || sitting;
    patch(this.controls, [
      !this.inRoom && watchable ? b("remote-watch", `▶ ${t(this.keys.watch)}`, () => this.watch(), "big primary") : null,
      !this.inRoom && !this.stream && supported && offerCamera ? b("remote-test", t("remote.test"), () => this.startMedia().catch(() => {})) : null,
      (!this.inRoom || this.watching) && offerCamera ? el("button", { type: "button", id: "remote-join", class: "big", disabled: !sitting || !supported, onclick: () => this.join() }, t(this.keys.join)) : null,
      this.stream && this.stream.getAudioTracks().length
        ? el("button", { type: "button", id: "remote-mute", "aria-pressed": String(this.micOff), onclick: () => this.setMicOff(!this.micOff) },
          this.micOff ? `🎤 ${t("remote.unmute")}` : `🔇 ${t("remote.mute")}`)
        : null,
      this.inRoom ? b("remote-leave", t(this.watching ? "remote.stop_watching" : "remote.leave"), () => this.leave(), "big") : null,
    ].filter(Boolean));
    const line = this.stateLine;
    const sv = this.server || {};
    const state = this.phase === "in_room" ? sv.state || "connecting" : this.phase;
    line.dataset.state = state;
    line.dataset.onAir = String(this.phase === "in_room" && !!sv.on_air);
    line.dataset.muted = String(this.phase === "in_room" && !!sv.muted);
    const parts = [];
    if (!supported) parts.push(el("span", {}, t("remote.unsupported")));
    else if (state === "idle" && !sitting && !watchable) parts.push(el("span", {}, t(this.keys.not_ready)));
    else if (this.watching && state === "connected") parts.push(el("span", { class: "ok" }, t("remote.state.watching")));
    // A camera or microphone problem replaces "not joined"; beside any other state.
    else if (!(state === "idle" && this.problem))
      parts.push(el("span", { class: state === "connected" ? "ok" : ["failed", "closed", "lost"].includes(state) ? "warn" : "" },
        t(`remote.state.${state}`, { reason: this.reasonText() })));
    if (supported && this.problem) parts.push(parts.length ? " · " : null, el("span", { class: "warn", id: "remote-problem" }, this.problem));
    if (line.dataset.onAir === "true") parts.push(" · ", el("strong", { class: "on-air", id: "remote-on-air" }, t("remote.on_air")));
    if (line.dataset.muted === "true") parts.push(" · ", el("strong", { class: "warn", id: "remote-chair-muted" }, t("remote.chair_muted")));
    if (this.micOff) parts.push(" · ", el("span", { id: "remote-mic-off" }, t("remote.mic_off")));
    // Strings become text nodes first: patch() compares nodes.
    patch(line, Array.from(el("p", {}, parts).childNodes));
    this.views.hidden = !this.stream && !this.inRoom;
    this.preview.parentElement.hidden = !this.stream; // nothing of ours to preview when watching
    this.devices.hidden = !this.stream;
  }

  reasonText() {
    const r = this.server && this.server.reason;
    if (!r) return t("remote.reason.none");
    return REASONS.includes(r) ? t(`remote.reason.${r}`) : r;
  }

  // --- camera and microphone -----------------------------------------------------

  constraints(kind) {
    const chosen = kind === "audio" ? this.mic.value : this.camera.value;
    if (kind === "audio") return chosen ? { deviceId: { exact: chosen } } : true;
    // The program is 640×360: more would only cost the delegate's uplink.
    const v = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } };
    if (chosen) v.deviceId = { exact: chosen };
    return v;
  }

  // Opens the camera and microphone (sound only when there is no camera);
  // throws after saying why in words.
  async startMedia() {
    if (this.stream) return this.stream;
    this.problem = null;
    clearMessage();
    let stream = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: this.constraints("audio"), video: this.constraints("video") });
    } catch (e) {
      // No camera (or a refused one): a delegate may still take part by sound.
      if (e && ["NotFoundError", "OverconstrainedError", "NotReadableError"].includes(e.name)) {
        try {
          stream = await navigator.mediaDevices.getUserMedia({ audio: this.constraints("audio") });
          this.problem = t("remote.media.sound_only");
        } catch (e2) {
          this.mediaFailed(e2);
        }
      } else this.mediaFailed(e);
    }
    this.stream = stream;
    this.setMicOff(this.micOff);
    this.preview.srcObject = stream;
    this.playVideo(this.preview);
    await this.listDevices();
    this.update();
    return stream;
  }

  mediaFailed(e) {
    const name = (e && e.name) || "Error";
    const key = { NotAllowedError: "denied", SecurityError: "denied", NotFoundError: "not_found", NotReadableError: "busy" }[name];
    this.problem = key ? t(`remote.media.${key}`) : t("remote.media.error", { name });
    this.update();
    throw e;
  }

  // Fills the device lists; the browser names devices only once allowed.
  async listDevices() {
    const all = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const fill = (select, kind, track) => {
      const current = track ? track.getSettings().deviceId : select.value;
      const list = all.filter((d) => d.kind === kind);
      patch(select, list.map((d, i) => el("option", { value: d.deviceId }, d.label || t(`remote.${kind}_n`, { n: i + 1 }))));
      if (current && list.some((d) => d.deviceId === current)) select.value = current;
      select.disabled = !list.length;
    };
    fill(this.camera, "videoinput", this.stream && this.stream.getVideoTracks()[0]);
    fill(this.mic, "audioinput", this.stream && this.stream.getAudioTracks()[0]);
  }

  // Another camera or microphone chosen: the new track replaces the old one
  // in the preview and, when in the room, in what we send (no new offer).
  async switchDevice(kind) {
    if (!this.stream) return;
    let track = null;
    try {
      const s = await navigator.mediaDevices.getUserMedia({ [kind]: this.constraints(kind) });
      track = s.getTracks()[0];
    } catch (e) {
      try {
        this.mediaFailed(e);
      } catch (_) {
        /* said in the state line */
      }
      return;
    }
    const old = kind === "audio" ? this.stream.getAudioTracks()[0] : this.stream.getVideoTracks()[0];
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    this.stream.addTrack(track);
    if (kind === "audio") track.enabled = !this.micOff;
    const sender = this.pc && this.pc.getSenders().find((x) => (x.track ? x.track.kind : null) === kind || x.track === old);
    if (sender) await sender.replaceTrack(track).catch(() => {});
    this.preview.srcObject = null;
    this.preview.srcObject = this.stream;
    this.playVideo(this.preview);
    this.update();
  }

  setMicOff(off) {
    this.micOff = off;
    if (this.stream) for (const tr of this.stream.getAudioTracks()) tr.enabled = !off;
    this.update();
  }

  playVideo(v) {
    const p = v.play();
    // Without a tap yet the browser may refuse to play sound: the controls
    // let the delegate start it.
    if (p) p.catch(() => { v.controls = true; });
  }

  // --- the room ----------------------------------------------------------------------

  async join() {
    // From watching to taking part: out of the room, then in with the camera.
    if (this.inRoom && this.watching) await this.leave();
    if (this.inRoom) return;
    this.rejoin = false;
    this.phase = "joining";
    this.server = null;
    this.problem = null;
    this.update();
    try {
      await this.startMedia();
    } catch (_) {
      this.phase = "idle";
      this.update();
      return;
    }
    await this.enterRoom();
  }

  // Into the room, sending (join) or only receiving (watch): rtc.join, then
  // the offer. A refusal or a failed negotiation leaves the room and says so.
  async enterRoom() {
    let r;
    try {
      r = await this.live.request("rtc.join");
    } catch (e) {
      this.watching = false;
      this.phase = "idle";
      showError(e);
      this.update();
      return;
    }
    this.phase = "in_room";
    this.server = { state: "connecting" };
    this.update();
    try {
      await this.negotiate(r.ice_servers || []);
    } catch (e) {
      // Refused (the offer's reason in the message) or the browser failed:
      // out of the room, which says so.
      showError(e && e.message ? e : { message: t("remote.negotiation_error", { name: (e && e.name) || "" }) });
      this.live.request("rtc.leave").catch(() => {});
      this.server = { state: "failed", reason: "negotiation_failed" };
      this.close("failed");
    }
  }

  // Watching only: the program's picture and sound, receive-only, without
  // asking for a camera or microphone (getUserMedia is never called).
  async watch() {
    if (this.inRoom) return;
    this.rejoin = false;
    this.watching = true;
    this.phase = "joining";
    this.server = null;
    this.problem = null;
    this.update();
    await this.enterRoom();
  }

  async negotiate(iceServers) {
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" });
    this.pc = pc;
    this.offered = false;
    this.answered = false;
    this.ours = [];
    this.theirs = [];
    // Sendrecv: the program's sound and picture come back on the same
    // transceivers.
    if (this.stream) for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    else for (const kind of ["audio", "video"]) pc.addTransceiver(kind, { direction: "recvonly" });
    pc.onicecandidate = (ev) => {
      if (pc !== this.pc) return;
      // The end of the candidates is an empty one, sent once.
      const c = ev.candidate && ev.candidate.candidate
        ? { candidate: ev.candidate.candidate, sdp_mline_index: ev.candidate.sdpMLineIndex || 0 }
        : { candidate: "", sdp_mline_index: 0 };
      if (ev.candidate && ev.candidate.sdpMid) c.sdp_mid = ev.candidate.sdpMid;
      if (!c.candidate && this.ended) return;
      if (!c.candidate) this.ended = true;
      if (this.offered) this.sendCandidate(c);
      else this.ours.push(c);
    };
    pc.ontrack = (ev) => this.showProgram(ev.track);
    this.ended = false;
    await pc.setLocalDescription(await pc.createOffer());
    const sent = this.live.request("rtc.offer", { sdp: pc.localDescription.sdp });
    // Sent in order on the one WebSocket: the server has the offer before
    // any candidate.
    this.offered = true;
    for (const c of this.ours.splice(0)) this.sendCandidate(c);
    await sent;
  }

  sendCandidate(c) {
    // A late candidate after leaving, or one the server refuses: the others
    // may still connect; the server's rtc.state tells if none did.
    this.live.request("rtc.ice", c).catch((e) => console.warn("rtc.ice refused", c.candidate, e && e.reason));
  }

  showProgram(track) {
    const tracks = this.program.srcObject ? this.program.srcObject.getTracks().filter((x) => x.kind !== track.kind) : [];
    this.program.srcObject = new MediaStream([...tracks, track]);
    this.playVideo(this.program);
  }

  async onRtc(m) {
    const pc = this.pc;
    if (m.type === "rtc.state") {
      if (!this.inRoom) return;
      this.server = m;
      if (m.state === "failed" || m.state === "closed") this.close(m.state);
      else this.update();
    } else if (m.type === "rtc.answer" && pc) {
      try {
        await pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
        this.answered = true;
        for (const c of this.theirs.splice(0)) this.addCandidate(pc, c);
      } catch (e) {
        showError({ message: t("remote.negotiation_error", { name: e.name || "" }) });
        this.live.request("rtc.leave").catch(() => {});
        this.server = { state: "failed", reason: "negotiation_failed" };
        this.close("failed");
      }
    } else if (m.type === "rtc.ice" && pc) {
      if (this.answered) this.addCandidate(pc, m);
      else this.theirs.push(m);
    }
  }

  addCandidate(pc, m) {
    if (!m.candidate) return; // the end of the server's candidates
    pc.addIceCandidate({ candidate: m.candidate, sdpMLineIndex: m.sdp_mline_index || 0 })
      .catch((e) => console.warn("could not add the server's candidate", m.candidate, e));
  }

  // Leaves by choice: the server forgets us, the camera and microphone stop.
  async leave() {
    const was = this.inRoom;
    this.rejoin = false;
    this.close("left");
    if (was) await this.live.request("rtc.leave").catch(() => {});
  }

  // Out of the room (left, failed, closed by the server, connection lost):
  // the peer connection goes, and with it the camera and microphone.
  close(phase) {
    if (this.pc) {
      this.pc.onicecandidate = null;
      this.pc.ontrack = null;
      this.pc.close();
      this.pc = null;
    }
    if (this.stream) for (const tr of this.stream.getTracks()) tr.stop();
    this.stream = null;
    this.preview.srcObject = null;
    this.program.srcObject = null;
    this.program.controls = false;
    this.watching = false;
    this.phase = phase;
    this.update();
  }

  // The live connection's state (Live's onStatus). A dropped WebSocket takes
  // us out of the room on the server; once it is back, we join again.
  onLiveStatus(s) {
    if (s === "reconnecting" && this.inRoom) {
      this.rejoin = this.watching ? "watch" : true;
      this.close("lost");
    } else if (s === "live" && this.rejoin === "watch" && this.canWatch && this.canWatch()) {
      this.watch();
    } else if (s === "live" && this.rejoin && this.canJoin()) {
      this.join();
    } else this.update();
  }
}
