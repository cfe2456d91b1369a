// The public page for citizens: no sign-in. The livestream of the open
// sitting, the session, its live agenda, who is speaking, and published
// results; says plainly when a sitting is closed to the public; past
// sittings' recordings with their chapters (agenda items, speakers, votes).
// The player lives outside the part redrawn on every event, so playback
// never restarts.
import { Live, agendaNumbers, clock, el, pickSession, remaining } from "./live.js";
import { initPage, showStatus, memberName, resultView, t } from "./page.js";
import { lang, withLang } from "./i18n.js";

const main = document.getElementById("main");
const media = el("section", { class: "card", id: "media", "aria-labelledby": "media-h" });
const body = el("div", { id: "live-part" });
let live = null;
let player = null; // {video, hls, sitting, kind: "live"|"vod"}
let archived = ""; // the sittings the archive list was built for
let chosenVod = false; // the viewer picked a recording: events must not switch it to live
let schedule = null; // GET /api/public/schedule: the public sittings' planned times
let scheduled = ""; // the sittings' states the schedule was read for
let mediaState = "none"; // what #media-state says: none|starting|playing|paused|reconnecting|vod

// The one line that says what a viewer gets: the livestream playing, or
// not, or a recording. The header's badge only says whether the page is
// connected to the server.
function setMediaState(state) {
  mediaState = state;
  const e = document.getElementById("media-state");
  if (!e) return;
  e.dataset.state = state;
  e.textContent = t(`public.media.${state}`);
}

function when(iso) {
  return new Date(iso).toLocaleString(t("locale"), { timeZone: "Asia/Ho_Chi_Minh", weekday: "long", day: "2-digit",
    month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

// Before a sitting opens: the next public sitting and when it is planned.
function nextSitting(s) {
  const box = document.getElementById("next-sitting");
  if (!box) return;
  const open = s && !s.hidden && s.open_sitting_id;
  const next = !open && schedule && schedule.sittings.find((x) => x.state === "planned");
  box.hidden = !next;
  if (!next) return box.replaceChildren();
  box.replaceChildren(el("strong", {}, t("public.next_sitting")), " ", next.title, " — ",
    next.planned_start ? t("public.planned_at", { at: when(next.planned_start) }) : t("public.not_scheduled"));
}

async function loadSchedule(s) {
  const key = (s.sittings || []).map((x) => `${x.id}:${x.state}`).join(",");
  if (key === scheduled) return;
  scheduled = key;
  const r = await fetch(withLang(`/api/public/schedule?session_id=${live.sessionId}`), { cache: "no-store" }).catch(() => null);
  schedule = r && r.ok ? await r.json().catch(() => null) : null;
  nextSitting(live.state);
}

function render() {
  const s = live && live.state;
  if (!s) return;
  const head = el("section", { class: "card" }, el("h2", {}, s.title),
    el("p", {}, s.council_name, " · ", t(`session.state.${s.state}`)), el("p", {}, t("public.watch")));
  followMedia(s);
  loadSchedule(s);
  nextSitting(s);
  if (s.hidden) {
    body.replaceChildren(head, el("section", { class: "card closed-notice", id: "closed-notice", role: "status" },
      el("p", { class: "big" }, `🔒 ${t("sitting.closed_public")}`)));
    return;
  }
  const published = (s.votes || []).filter((v) => v.state === "published");
  const numbers = agendaNumbers(s.agenda);
  body.replaceChildren(head,
    el("section", { class: "card", "aria-labelledby": "floor-h" },
      el("h2", { id: "floor-h" }, t("floor.title")),
      s.turn
        ? el("p", { class: "speaker", id: "public-speaker" }, `${s.turn.name || memberName(s, s.turn.person_id)} — `, el("span", { id: "clock" }, clock(remaining(s.turn, live))))
        : el("p", {}, t("floor.none"))),
    el("section", { class: "card", "aria-labelledby": "ag-h" },
      el("h2", { id: "ag-h" }, t("agenda.title")),
      el("ol", { class: "agenda numbered", id: "public-agenda" }, (s.agenda || []).map((i) => el("li", { class: `depth${i.depth} ${i.state}`, "aria-current": i.id === s.active_item_id ? "step" : null, "data-number": numbers.get(i.id) },
        `${i.state === "done" ? "✔ " : i.id === s.active_item_id ? "▶ " : ""}`, el("span", { class: "num" }, `${numbers.get(i.id)}.`), ` ${i.title}`)))),
    el("section", { class: "card", "aria-labelledby": "res-h", id: "public-results" },
      el("h2", { id: "res-h" }, t("vote.results")),
      published.length ? published.map((v) => el("article", { class: "vote-result" }, el("h3", {}, v.question), resultView(s, v))) : el("p", {}, "—")));
}

// --- the livestream and the recordings ----------------------------------------

// Plays an HLS playlist with hls.js wherever the browser has Media Source
// Extensions (Chromium now claims native HLS too, and its native player
// ends a livestream for good on a network blip: video.error 4), natively
// only where it has not (iPhone Safari).
async function play(url, kind, sitting, at = 0) {
  if (player && player.url === url) {
    if (kind === "vod") player.video.currentTime = at / 1000;
    return;
  }
  stopPlayer();
  const video = el("video", { id: "player", controls: true, muted: true, playsinline: true, "aria-label": t(`media.${kind}`) });
  video.muted = true; // autoplay is allowed muted; the viewer turns sound on
  const p = { url, video, kind, sitting, hls: null, Hls: null, timers: [], retries: 0, played: false, lastTime: -1, lastMove: Date.now(), stallKicks: 0 };
  player = p;
  const open = live && live.state && !live.state.hidden && live.state.open_sitting_id;
  // Autoplay is only allowed muted: a button over the picture says so and
  // turns the sound on, and goes once the sound is on.
  const unmute = el("button", { type: "button", id: "unmute", class: "unmute", onclick: () => {
    video.muted = false;
    video.volume = Math.max(video.volume, 0.5);
    video.play().catch(() => {});
    document.getElementById("player")?.focus();
  } }, `🔇 ${t("public.unmute")}`);
  const syncMute = () => { unmute.hidden = !video.muted; };
  video.addEventListener("volumechange", syncMute);
  setMediaState(kind === "live" ? "starting" : "vod");
  document.getElementById("player-box").replaceChildren(el("div", { class: "player-wrap" }, video, unmute),
    el("p", { class: "small", id: "player-caption", "data-state": kind === "live" ? "starting" : "vod" },
      el("span", { id: "player-badge" }, kind === "live" ? t("media.starting") : t("media.recording")), " ",
      kind === "vod" && open
        ? el("button", { type: "button", id: "back-live", onclick: () => { chosenVod = false; stopPlayer(); waitLive(open); } }, t("media.back_live"))
        : null));
  const seek = () => { if (at) video.currentTime = at / 1000; };
  const { default: Hls } = await import("/vendor/hls.mjs").catch(() => ({ default: null }));
  if (player !== p) return;
  if (Hls && Hls.isSupported()) {
    p.Hls = Hls;
    attachHls(p, seek);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    video.addEventListener("loadedmetadata", seek, { once: true });
    // The native player gives up on an error: it starts over (at the live
    // edge) after a pause.
    video.addEventListener("error", () => later(p, () => { video.src = url; video.play().catch(() => {}); }, 3000));
  } else {
    document.getElementById("player-badge").textContent = t("media.unsupported");
    return;
  }
  if (kind === "live") p.timers.push(setInterval(() => watch(p), 500));
  video.play().catch(() => {});
}

// A timer that dies with its player.
function later(p, fn, ms) {
  p.timers.push(setTimeout(() => { if (player === p) fn(); }, ms));
}

// A new hls.js on p's video. No worker: the page's Content-Security-Policy
// allows scripts from this server only, and hls.js would start its worker
// from a blob. Low-latency HLS: hls.js loads the live playlist's parts
// (0.2 s) with blocking reloads and plays PART-HOLD-BACK (0.75 s) behind
// the edge, speeding up to 1.1x to get back there after a stall; the
// glass-to-glass goal is 2 s (docs/benchmarks.md). A playlist without
// parts (the recordings) plays as plain HLS. Fallen out of the live window
// (10 segments) after a stall, hls.js itself goes back to the edge;
// watch() does so too from 6 s behind. (hls.js's own
// liveMaxLatencyDurationCount at 6 made it jump ahead into an empty buffer
// after the start's first rebuffering: a stall that fed itself.)
function attachHls(p, onParsed) {
  const Hls = p.Hls;
  const hls = new Hls({ enableWorker: false, lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.1 });
  p.hls = hls;
  if (onParsed) hls.on(Hls.Events.MANIFEST_PARSED, onParsed);
  hls.on(Hls.Events.FRAG_LOADED, () => { p.retries = 0; });
  hls.on(Hls.Events.ERROR, (_, data) => {
    if (!data.fatal || player !== p || p.hls !== hls) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
      return;
    }
    // The network (or the server) is gone: try again, 1, 2, 4, 8 s apart.
    // Without a playlist yet nothing can be resumed: a new hls.js.
    const delay = Math.min(8000, 1000 * 2 ** p.retries++);
    const fresh = data.type !== Hls.ErrorTypes.NETWORK_ERROR || !hls.levels || !hls.levels.length;
    later(p, () => {
      if (p.hls !== hls) return; // started over meanwhile (watch())
      if (fresh) rebuild(p);
      else hls.startLoad(-1);
    }, delay);
  });
  hls.loadSource(p.url);
  hls.attachMedia(p.video);
}

// Starts p's hls.js over: a live stream starts at its live edge.
function rebuild(p) {
  if (!p.hls) return;
  p.hls.destroy();
  p.lastMove = Date.now();
  attachHls(p, null);
  p.video.play().catch(() => {});
}

// Every 500 ms while live: the badge says what the viewer sees (never
// "live" while the picture stands still); a picture that has not moved for
// 6 s is reloaded at the live edge, and after 12 s the player starts over.
function watch(p) {
  if (player !== p) return;
  const v = p.video;
  const now = Date.now();
  // Only forward is playing: a seek back (ours, or the viewer's) is not.
  if (v.currentTime > p.lastTime) {
    p.lastMove = now;
    p.stallKicks = 0;
  }
  p.lastTime = v.currentTime;
  const moving = !v.paused && now - p.lastMove < 1500 && v.readyState >= 2;
  if (moving) p.played = true;
  const state = moving ? "live" : v.paused && v.readyState >= 2 ? "paused" : p.played ? "reconnecting" : "starting";
  const caption = document.getElementById("player-caption");
  if (caption && caption.dataset.state !== state) {
    caption.dataset.state = state;
    document.getElementById("player-badge").textContent =
      state === "live" ? `● ${t("media.live")}` : state === "paused" ? t("media.paused") : state === "reconnecting" ? `⟳ ${t("media.reconnecting")}` : t("media.starting");
  }
  const shown = state === "live" ? "playing" : state;
  if (mediaState !== shown) setMediaState(shown);
  if (!p.hls) return;
  // Behind the live edge by more than hls.js keeps (back from a stall with
  // old segments): to the edge.
  const edge = p.hls.liveSyncPosition;
  if (moving && edge && edge - v.currentTime > 6) v.currentTime = edge;
  // LL-HLS: hls.js speeds up towards its target latency only from within
  // one segment of it; further behind (the start lands on a segment's
  // first part, a stall), with the media to the edge already buffered, a
  // skip forward inside the buffer gets there at once (measured: 2.5 s
  // behind the buffered end without it, docs/benchmarks.md).
  else if (moving && edge && edge - v.currentTime > 0.5 && v.buffered.length &&
    v.buffered.end(v.buffered.length - 1) > edge + 0.3) v.currentTime = edge;
  if (v.paused || now - p.lastMove < 6000 * (p.stallKicks + 1)) return;
  p.stallKicks++;
  if (p.stallKicks >= 2) {
    rebuild(p);
  } else {
    p.hls.startLoad(-1);
    if (edge && edge > v.currentTime + 1) v.currentTime = edge;
    v.play().catch(() => {});
  }
}

function stopPlayer() {
  if (!player) return;
  for (const id of player.timers) { clearTimeout(id); clearInterval(id); }
  if (player.hls) player.hls.destroy();
  player.video.removeAttribute("src");
  player = null;
}

// Follows the session: the open public sitting's livestream (once its first
// segments exist), else nothing live; and the list of recorded sittings.
function followMedia(s) {
  const open = !s.hidden && (s.sittings || []).find((x) => x.id === s.open_sitting_id && !x.closed);
  if (open && !chosenVod && !(player && player.kind === "live" && player.sitting === open.id)) waitLive(open.id);
  if (!open) chosenVod = false;
  if (!open && player && player.kind === "live") {
    stopPlayer();
    document.getElementById("player-box").replaceChildren(el("p", {}, t("media.no_live")));
  }
  if (!open && !player) setMediaState("none");
  const past = (s.sittings || []).filter((x) => x.state === "closed" && !x.closed).map((x) => x.id).join(",");
  if (past !== archived) {
    archived = past;
    archive(s);
  }
}

// The livestream's state, from the server's memory (/media/N/state.json):
// the page never polls a playlist that is not there. While the sitting
// starts, asked every 2 s; when the server says it cannot stream (error,
// off), the page says there is no livestream and asks again every 15 s
// (a source may come back).
let waiting = 0;
async function waitLive(sitting) {
  if (waiting === sitting) return;
  waiting = sitting;
  let shown = "";
  const say = (key) => {
    if (shown === key) return;
    shown = key;
    document.getElementById("player-box").replaceChildren(el("p", { id: "live-wait", "data-state": key }, t(key)));
    setMediaState(key === "media.starting" ? "starting" : "none");
  };
  while (waiting === sitting && live.state && live.state.open_sitting_id === sitting) {
    const r = await fetch(`/media/${sitting}/state.json`, { cache: "no-store" }).catch(() => null);
    const st = r && r.ok ? await r.json().catch(() => null) : null;
    if (waiting !== sitting) return;
    // Players start a live stream a few segments from its end: wait for them.
    if (st && st.state === "live" && st.segments >= 3) {
      waiting = 0;
      return play(`/media/${sitting}/live.m3u8`, "live", sitting);
    }
    const down = st && ["error", "off", "none"].includes(st.state);
    say(down ? "media.no_live_error" : "media.starting");
    await new Promise((res) => setTimeout(res, down ? 15000 : 2000));
  }
  waiting = 0;
}

function hms(ms) {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

async function archive(s) {
  const box = document.getElementById("archive");
  const past = (s.sittings || []).filter((x) => x.state === "closed" && !x.closed);
  const parts = [];
  for (const x of past) {
    const r = await fetch(`/media/${x.id}/chapters.json`).catch(() => null);
    if (!r || !r.ok) continue;
    const doc = await r.json();
    if (!doc.duration_ms) continue;
    parts.push(el("article", { class: "recording", id: `recording-${x.id}` },
      el("h3", {}, `${x.title} — ${hms(doc.duration_ms)}`),
      el("button", { type: "button", id: `watch-${x.id}`, onclick: () => { chosenVod = true; play(`/media/${x.id}/vod.m3u8`, "vod", x.id); } }, t("media.watch")),
      el("ol", { class: "chapters" }, doc.chapters.map((c) => el("li", {},
        el("button", { type: "button", class: "link", "data-offset": c.offset_ms,
          onclick: () => { chosenVod = true; play(`/media/${x.id}/vod.m3u8`, "vod", x.id, c.offset_ms); } },
          `${t(`media.chapter.${c.kind}`)} ${c.label || ""} — ${hms(c.offset_ms)}`))))));
  }
  box.replaceChildren(el("h3", { id: "archive-h" }, t("media.archive")), ...(parts.length ? parts : [el("p", {}, "—")]));
}

async function start() {
  await initPage("page.public");
  media.replaceChildren(el("h2", { id: "media-h" }, t("media.title")),
    el("p", { id: "media-state", class: "media-state", role: "status", "data-state": "none" }, t("public.media.none")),
    el("p", { id: "next-sitting", hidden: true }),
    el("div", { id: "player-box" }, el("p", {}, t("media.no_live"))),
    el("div", { id: "archive" }));
  main.replaceChildren(media, body);
  const sid = await pickSession();
  if (!sid) return body.replaceChildren(el("p", {}, t("session.none")));
  // The header says whether the page is connected, in those words: "live"
  // there read as if the sitting were being streamed.
  live = new Live(sid, { onChange: render, onStatus: (st, e) => {
    showStatus(st, e);
    const badge = document.getElementById("status");
    if (badge && st === "live") badge.textContent = t("public.connected");
  }, lang: lang() });
  live.connect();
  // A link from the minutes or the archive: ?sitting=N&t=SECONDS opens that
  // sitting's recording at that moment.
  const q = new URLSearchParams(location.search);
  const at = Number(q.get("sitting"));
  if (at > 0) {
    chosenVod = true;
    play(`/media/${at}/vod.m3u8`, "vod", at, Math.max(0, Number(q.get("t")) || 0) * 1000);
  }
  setInterval(() => {
    const c = document.getElementById("clock");
    if (c && live.state && live.state.turn) c.textContent = clock(remaining(live.state.turn, live));
  }, 250);
  window.addEventListener("plenum:lang", () => {
    document.getElementById("media-h").textContent = t("media.title");
    setMediaState(mediaState);
    const unmute = document.getElementById("unmute");
    if (unmute) unmute.textContent = `🔇 ${t("public.unmute")}`;
    const badge = document.getElementById("status");
    if (badge && badge.dataset.state === "live") badge.textContent = t("public.connected");
    archived = ""; // rebuilt in the new language
    render();
  });
}

start();
