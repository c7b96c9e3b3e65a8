// The companion face simulator page. It draws the face from the face-controller's channel values and plays the
// robot's voice at each chunk's pts on the server's clock, so a robot builder sees and hears what the motors would
// do. Served by companion.face.drivers.sim; the messages and the clock sync are described in docs/SIMULATOR.md.

const MSG_FRAME = 1;
const MSG_AUDIO = 2;
const HEADER_BYTES = 24; // both binary messages; see FRAME_MESSAGE and AUDIO_MESSAGE in face/drivers/sim.py
const PING_BURST = 8; // quick pings at connect, so the first voice chunk already has a good clock estimate
const PING_BURST_GAP_MS = 40;
const PING_EVERY_MS = 1000;
const CLOCK_SAMPLES = 16; // a window of recent pings; the shortest round trip among them wins
const RECONNECT_MS = 1000;
const KEEP_SCHEDULED = 200;
const KEEP_FLUSHED = 64;
const FLUSH_FADE_S = 0.008; // long enough not to click, short enough to be "at once"
const CHAIN_TOLERANCE_MS = 2;
const MAX_QUEUED_FRAMES = 120;
const MAX_FRAME_LEAD_MS = 1000; // a frame due later than this means a clock mix-up: show it rather than freeze

/** The page's own clock in epoch milliseconds: high resolution and the same timeline as performance.now(). */
const pageMs = () => performance.timeOrigin + performance.now();
const clamp = (x, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, x));

// --- clock sync -------------------------------------------------------------------------------------------------

/** NTP-style estimate of serverMs - pageMs. The sample with the shortest round trip has the smallest error bound
 *  (half its round trip), so it wins over a window of recent samples, which also follows slow drift. */
class ClockSync {
  constructor() {
    this.reset();
  }

  reset() {
    this.samples = [];
    this.offsetMs = null;
    this.rttMs = null;
  }

  add(sentMs, serverMs, receivedMs) {
    const rtt = receivedMs - sentMs;
    this.samples.push({ rtt, offset: serverMs - (sentMs + receivedMs) / 2 });
    if (this.samples.length > CLOCK_SAMPLES) this.samples.shift();
    const best = this.samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offsetMs = best.offset;
    this.rttMs = best.rtt;
  }
}

// --- the voice --------------------------------------------------------------------------------------------------

/** Plays voice chunks with WebAudio at the AudioContext time that corresponds to their pts on the server's clock. */
class VoicePlayer {
  constructor(clock) {
    this.clock = clock;
    this.ctx = new AudioContext({ latencyHint: "interactive" });
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 2048;
    this.analyser.connect(this.ctx.destination);
    this.voices = new Map(); // utterance id -> { gain, sources: Map(source -> entry), last: entry }
    this.flushed = new Set();
    this.scheduled = []; // recent chunks and what became of them, newest last
    this.waiting = []; // chunks that came before the first clock estimate
  }

  get running() {
    return this.ctx.state === "running";
  }

  enable() {
    return this.ctx.resume();
  }

  /** The context time at which a sound is heard at page time ``ms``. getOutputTimestamp pairs the output
   *  position with the moment it is heard, so the output latency is included; before the first rendered
   *  block it is zero and we fall back on currentTime minus the reported latency. */
  contextTimeOfPageMs(ms) {
    const ts = this.ctx.getOutputTimestamp();
    if (ts.performanceTime > 0) {
      return ts.contextTime + (ms - performance.timeOrigin - ts.performanceTime) / 1000;
    }
    const latency = this.ctx.outputLatency || this.ctx.baseLatency || 0;
    return this.ctx.currentTime + (ms - pageMs()) / 1000 - latency;
  }

  contextTimeOfServerMs(ms) {
    return this.contextTimeOfPageMs(ms - this.clock.offsetMs);
  }

  play(chunk) {
    if (chunk.pcm.length === 0) return null; // WebAudio cannot make an empty buffer, and there is nothing to hear
    const entry = {
      utt: chunk.utt,
      seq: chunk.seq,
      ptsMs: chunk.ptsMs,
      duration: chunk.pcm.length / chunk.rate,
      at: null, // context time of the pts
      when: null, // context time the source starts (later than `at` when trimmed)
      trim: 0, // seconds cut from the chunk's start because it came late
      offsetMs: this.clock.offsetMs,
      state: "waiting",
      ended: false,
    };
    this.scheduled.push(entry);
    if (this.scheduled.length > KEEP_SCHEDULED) this.scheduled.shift();
    if (this.flushed.has(chunk.utt)) entry.state = "flushed";
    else if (!this.running) entry.state = "muted";
    else if (this.clock.offsetMs === null) this.waiting.push([chunk, entry]);
    else this.schedule(chunk, entry);
    return entry;
  }

  /** Schedules the chunks that waited for the first clock estimate. */
  clockReady() {
    const waiting = this.waiting;
    this.waiting = [];
    for (const [chunk, entry] of waiting) {
      entry.offsetMs = this.clock.offsetMs;
      this.schedule(chunk, entry);
    }
  }

  schedule(chunk, entry) {
    const ctx = this.ctx;
    const voice = this.voice(chunk.utt);
    let at = this.contextTimeOfServerMs(chunk.ptsMs);
    // A chunk that continues the previous one is joined to it sample-exactly: a new clock estimate between two
    // chunks would otherwise leave a tiny gap or overlap, which clicks.
    const prev = voice.last;
    if (prev && prev.at !== null && Math.abs(chunk.ptsMs - (prev.ptsMs + prev.duration * 1000)) < CHAIN_TOLERANCE_MS) {
      const chained = prev.at + prev.duration;
      if (Math.abs(chained - at) < CHAIN_TOLERANCE_MS / 1000) at = chained;
    }
    entry.at = at;
    let when = at;
    const now = ctx.currentTime;
    if (when < now) {
      // Late: play only the part still in the future, so the voice stays on the face's timeline.
      entry.trim = now - when;
      if (entry.trim >= entry.duration) {
        entry.state = "skipped";
        return;
      }
      when = now;
    }
    entry.when = when;
    const buffer = ctx.createBuffer(1, chunk.pcm.length, chunk.rate);
    const data = buffer.getChannelData(0);
    for (let i = 0; i < chunk.pcm.length; i++) data[i] = chunk.pcm[i] / 32768;
    const source = new AudioBufferSourceNode(ctx, { buffer });
    source.connect(voice.gain);
    source.onended = () => {
      entry.ended = true;
      voice.sources.delete(source);
      if (voice.sources.size === 0 && voice.last === entry && this.voices.get(entry.utt) === voice) {
        this.voices.delete(entry.utt);
      }
    };
    source.start(when, entry.trim);
    entry.state = entry.trim > 0 ? "trimmed" : "scheduled";
    voice.sources.set(source, entry);
    voice.last = entry;
  }

  voice(utt) {
    let voice = this.voices.get(utt);
    if (!voice) {
      const gain = this.ctx.createGain();
      gain.connect(this.analyser);
      voice = { gain, sources: new Map(), last: null };
      this.voices.set(utt, voice);
    }
    return voice;
  }

  /** A paused utterance goes on (the interruption was a backchannel): accept its chunks again. */
  resume(utt) {
    this.flushed.delete(utt);
  }

  /** Barge-in: silence the utterance now and refuse its chunks that are still on their way. */
  flush(utt) {
    this.flushed.add(utt);
    if (this.flushed.size > KEEP_FLUSHED) this.flushed.delete(this.flushed.values().next().value);
    this.waiting = this.waiting.filter(([chunk, entry]) => {
      if (chunk.utt !== utt) return true;
      entry.state = "stopped";
      return false;
    });
    const voice = this.voices.get(utt);
    if (!voice) return;
    this.voices.delete(utt);
    const now = this.ctx.currentTime;
    voice.gain.gain.cancelScheduledValues(now);
    voice.gain.gain.setValueAtTime(voice.gain.gain.value, now);
    voice.gain.gain.linearRampToValueAtTime(0, now + FLUSH_FADE_S);
    for (const [source, entry] of voice.sources) {
      source.stop(now + FLUSH_FADE_S);
      entry.state = "stopped";
    }
  }

  /** The utterance being heard now, or 0. */
  speaking() {
    const now = this.ctx.currentTime;
    for (const [utt, voice] of this.voices) {
      for (const entry of voice.sources.values()) if (entry.when <= now) return utt;
    }
    return 0;
  }

  /** RMS of what goes to the speakers: lets a test (or a curious user) check that sound really plays. */
  level() {
    const buf = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const x of buf) sum += x * x;
    return Math.sqrt(sum / buf.length);
  }
}

// --- the face ---------------------------------------------------------------------------------------------------

const EYES = { right: { cx: 152, cy: 210 }, left: { cx: 248, cy: 210 } }; // the robot's right eye is on our left
const EYE_RY = 20;
const MOUTH = { x: 200, y: 300 };
const FACE_CENTRE = { x: 200, y: 230 };
const NECK_PIVOT = { x: 200, y: 330 };
const CURVE_SAMPLES = 13;

/** A smooth path through ``points`` (Catmull-Rom turned into cubic Béziers), so every sample is on the curve. */
function smoothPath(points, move = true) {
  const p = points;
  let d = move ? `M${f1(p[0][0])} ${f1(p[0][1])}` : `L${f1(p[0][0])} ${f1(p[0][1])}`;
  for (let i = 0; i < p.length - 1; i++) {
    const p0 = p[Math.max(0, i - 1)];
    const p1 = p[i];
    const p2 = p[i + 1];
    const p3 = p[Math.min(p.length - 1, i + 2)];
    const c1 = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
    const c2 = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
    d += `C${f1(c1[0])} ${f1(c1[1])} ${f1(c2[0])} ${f1(c2[1])} ${f1(p2[0])} ${f1(p2[1])}`;
  }
  return d;
}

const f1 = (x) => (Math.round(x * 10) / 10).toString();

/** A quadratic curve from a to b that passes through m at its middle. */
const curveThrough = (a, m, b) =>
  `M${f1(a[0])} ${f1(a[1])}Q${f1(2 * m[0] - (a[0] + b[0]) / 2)} ${f1(2 * m[1] - (a[1] + b[1]) / 2)} ${f1(b[0])} ${f1(b[1])}`;

/** Draws the SVG face in index.html from channel values. Left/Right channels are the robot's own sides. */
class FaceView {
  constructor(svg) {
    const $ = (sel) => svg.querySelector(sel);
    this.svg = svg;
    this.head = $("#head");
    this.features = $("#features");
    this.ears = $("#ears");
    this.skull = $("#skull");
    this.blush = { left: $("#blush-left"), right: $("#blush-right") };
    this.eyes = {};
    for (const side of ["left", "right"]) {
      const g = $(`#eye-${side}`);
      this.eyes[side] = {
        iris: g.querySelector(".iris"),
        upper: g.querySelector(".lid-upper"),
        lower: g.querySelector(".lid-lower"),
        lash: g.querySelector(".lash"),
      };
    }
    this.brows = { left: $("#brow-left"), right: $("#brow-right") };
    this.nose = $("#nose");
    this.mouth = $("#mouth");
    this.lips = $("#lips");
    this.inside = $("#mouth-inside");
    this.clip = $("#mouth-clip-path");
    this.teeth = $("#teeth");
    this.tongue = $("#tongue");
    this.seam = $("#lip-seam");
    this.tongueOut = $("#tongue-out");
  }

  render(v) {
    this.renderHead(v);
    for (const side of ["left", "right"]) {
      this.renderEye(v, side);
      this.renderBrow(v, side);
      const s = side === "left" ? "Left" : "Right";
      const lift = Math.max(v(`mouthSmile${s}`), v(`cheekSquint${s}`));
      this.blush[side].setAttribute("opacity", f1(0.22 + 0.5 * lift));
      this.blush[side].setAttribute("cy", f1(268 - 6 * v(`cheekSquint${s}`) - 4 * v(`mouthSmile${s}`)));
    }
    const sneer = (v("noseSneerLeft") + v("noseSneerRight")) / 2;
    const ny = -3 * sneer;
    this.nose.setAttribute(
      "d",
      `M195 ${f1(226 + ny)}C192 ${f1(240 + ny)} 186 ${f1(250 + ny)} 190 ${f1(255 + ny)}` +
        `C194 ${f1(259 + ny)} 204 ${f1(260 + ny)} 211 ${f1(254 + ny)}`,
    );
    this.renderMouth(v);
  }

  renderHead(v) {
    const yaw = clamp(v("headYaw"), -45, 45);
    const pitch = clamp(v("headPitch"), -30, 30);
    const roll = clamp(v("headRoll"), -20, 20);
    // Positive roll tilts toward the robot's left shoulder, which is on our right: clockwise on screen.
    this.head.setAttribute(
      "transform",
      `rotate(${f1(roll)} ${NECK_PIVOT.x} ${NECK_PIVOT.y}) translate(${f1(0.5 * yaw)} ${f1(-0.4 * pitch)})`,
    );
    // Features move further than the skull and the ears move the other way: a cheap parallax that reads as a turn.
    const sx = 1 - (Math.abs(yaw) / 45) * 0.1;
    const sy = 1 - (Math.abs(pitch) / 30) * 0.06;
    const { x, y } = FACE_CENTRE;
    this.features.setAttribute(
      "transform",
      `translate(${f1(x + 0.75 * yaw)} ${f1(y - 0.55 * pitch)}) scale(${sx.toFixed(3)} ${sy.toFixed(3)}) translate(${-x} ${-y})`,
    );
    this.ears.setAttribute("transform", `translate(${f1(-0.35 * yaw)} ${f1(0.25 * pitch)})`);
    // The chin drops with the jaw.
    const j = 26 * clamp(v("jawOpen"));
    this.skull.setAttribute(
      "d",
      `M200 70C264 70 307 116 307 198C307 262 288 ${f1(312 + 0.5 * j)} 252 ${f1(338 + 0.85 * j)}` +
        `C234 ${f1(351 + j)} 214 ${f1(356 + j)} 200 ${f1(356 + j)}C186 ${f1(356 + j)} 166 ${f1(351 + j)} 148 ${f1(338 + 0.85 * j)}` +
        `C112 ${f1(312 + 0.5 * j)} 93 262 93 198C93 116 136 70 200 70Z`,
    );
  }

  renderEye(v, side) {
    const s = side === "left" ? "Left" : "Right";
    const { cx, cy } = EYES[side];
    const blink = clamp(v(`eyeBlink${s}`));
    const wide = clamp(v(`eyeWide${s}`));
    const squint = clamp(v(`eyeSquint${s}`));
    const cheek = clamp(v(`cheekSquint${s}`));
    const browDown = clamp(v(`browDown${s}`));
    const smile = clamp(v(`mouthSmile${s}`));
    const lower = cy + 19 - 8 * squint - 9 * cheek - 4 * smile;
    const open = cy - 12 - 10 * wide + 4 * squint + 3 * browDown;
    const upper = open + (lower - open) * blink;
    const corner = cy + 1;
    const a = [cx - 31, corner];
    const b = [cx + 31, corner];
    const upperCurve = curveThrough(a, [cx, upper], b);
    const lowerCurve = curveThrough(a, [cx, lower], b);
    const eye = this.eyes[side];
    eye.upper.setAttribute("d", `${upperCurve}L${cx + 31} ${cy - 40}L${cx - 31} ${cy - 40}Z`);
    eye.lower.setAttribute("d", `${lowerCurve}L${cx + 31} ${cy + 40}L${cx - 31} ${cy + 40}Z`);
    // The lash line follows the lid but never floats above the eyeball when the eye opens wide.
    eye.lash.setAttribute("d", curveThrough(a, [cx, Math.max(upper, cy - EYE_RY + 1)], b));
    // Out is toward the robot's own side: our right for its left eye.
    const out = side === "left" ? 1 : -1;
    const lookX = out * (v(`eyeLookOut${s}`) - v(`eyeLookIn${s}`));
    const lookY = v(`eyeLookDown${s}`) - v(`eyeLookUp${s}`);
    const dx = clamp((v("eyeYaw") / 30) * 10 + 10 * lookX, -12, 12);
    const dy = clamp((-v("eyePitch") / 25) * 7 + 7 * lookY, -8, 8);
    eye.iris.setAttribute("transform", `translate(${f1(cx + dx)} ${f1(cy + dy)})`);
  }

  renderBrow(v, side) {
    const s = side === "left" ? "Left" : "Right";
    const out = side === "left" ? 1 : -1;
    const innerUp = clamp(v("browInnerUp"));
    const outerUp = clamp(v(`browOuterUp${s}`));
    const down = clamp(v(`browDown${s}`));
    const inner = [200 + out * (24 - 3 * down), 172 - 16 * innerUp + 9 * down];
    const outer = [200 + out * 76, 176 - 14 * outerUp + 4 * down];
    const mid = [200 + out * 50, Math.min(inner[1], outer[1]) - 8 + 3 * down - 2 * outerUp];
    this.brows[side].setAttribute("d", curveThrough(inner, mid, outer));
  }

  renderMouth(v) {
    const avg = (name) => (v(`${name}Left`) + v(`${name}Right`)) / 2;
    const jaw = clamp(v("jawOpen"));
    const close = clamp(v("mouthClose"));
    const press = clamp(avg("mouthPress"));
    const pucker = clamp(v("mouthPucker"));
    const funnel = clamp(v("mouthFunnel"));
    const round = clamp(Math.max(funnel, 0.7 * pucker));
    const smile = { l: clamp(v("mouthSmileLeft")), r: clamp(v("mouthSmileRight")) };
    const frown = { l: clamp(v("mouthFrownLeft")), r: clamp(v("mouthFrownRight")) };
    const stretch = { l: clamp(v("mouthStretchLeft")), r: clamp(v("mouthStretchRight")) };
    const dimple = { l: clamp(v("mouthDimpleLeft")), r: clamp(v("mouthDimpleRight")) };

    // Width: stretch and smile pull the corners out, pucker and funnel gather them in.
    const narrow = 1 - 0.42 * pucker - 0.3 * funnel;
    const half = (k) => (40 + 8 * stretch[k] + 6 * smile[k] + 3 * dimple[k]) * narrow;
    const halfL = half("l");
    const halfR = half("r");

    // Opening: the jaw opens the lips unless mouthClose/press hold them together (then both ride down).
    const jawGap = 58 * jaw;
    const free = clamp(1 - close - 0.8 * press);
    const gap = Math.max(
      0,
      jawGap * free + 9 * avg("mouthLowerDown") + 6 * avg("mouthUpperUp") + 16 * funnel * (1 - close),
    );
    const upperMid =
      -0.18 * gap + 0.45 * Math.max(0, jawGap - gap) - 3 * avg("mouthUpperUp") + 2 * v("mouthShrugUpper");
    const lowerMid = upperMid + gap;
    const drop = 0.25 * gap + 0.35 * Math.max(0, jawGap - gap);
    const cornerY = (k) => -20 * smile[k] + 14 * frown[k] + 4 * stretch[k] - 3 * dimple[k] + drop;
    const yL = cornerY("l");
    const yR = cornerY("r");

    let tU = 7.5 + 5 * pucker + 2 * funnel - 3.5 * press - 5 * v("mouthRollUpper") + v("mouthShrugUpper");
    let tL = 10 + 6 * pucker + 2 * funnel - 4.5 * press - 6 * v("mouthRollLower") + 2 * v("mouthShrugLower");
    const smiling = (smile.l + smile.r) / 2;
    tU = Math.max(1.5, tU * (1 - 0.2 * smiling));
    tL = Math.max(2, tL * (1 - 0.25 * smiling));

    // Every lip curve is sampled across the mouth (f from the robot's right corner -1 to its left corner +1):
    // a lens between the corners, rounder when the lips funnel or pucker.
    const fs = Array.from({ length: CURVE_SAMPLES }, (_, i) => -1 + (2 * i) / (CURVE_SAMPLES - 1));
    const xOf = (f) => (f < 0 ? f * halfR : f * halfL);
    const baseY = (f) => yR + ((yL - yR) * (f + 1)) / 2;
    const shape = (f) => (1 - round) * (1 - f * f) + round * Math.sqrt(Math.max(0, 1 - f * f));
    const midBase = (yL + yR) / 2;
    const innerUpper = fs.map((f) => [xOf(f), baseY(f) + (upperMid - midBase) * shape(f)]);
    const innerLower = fs.map((f) => [xOf(f), baseY(f) + (lowerMid - midBase) * shape(f)]);
    const fullness = (f) => Math.pow(Math.max(0, 1 - f * f), 0.55);
    const bow = (f) => 2.4 * Math.exp(-(((Math.abs(f) - 0.22) / 0.13) ** 2));
    const outerUpper = innerUpper.map(([x, y], i) => [x, y - tU * fullness(fs[i]) - bow(fs[i]) * (1 - round)]);
    const outerLower = innerLower.map(([x, y], i) => [x, y + tL * fullness(fs[i])]);

    const shiftX = 12 * (v("mouthLeft") - v("mouthRight")) + 8 * (v("jawLeft") - v("jawRight"));
    this.mouth.setAttribute("transform", `translate(${f1(MOUTH.x + shiftX)} ${MOUTH.y})`);

    const lips = `${smoothPath(outerUpper)}${smoothPath([...outerLower].reverse(), false)}Z`;
    const inside = `${smoothPath(innerUpper)}${smoothPath([...innerLower].reverse(), false)}Z`;
    this.lips.setAttribute("d", lips);
    this.inside.setAttribute("d", inside);
    this.clip.setAttribute("d", inside);
    this.seam.setAttribute("d", smoothPath(innerUpper));

    // Upper teeth hang under the upper lip; the clip shows them only where the mouth is open.
    const teethTop = innerUpper.map(([x, y]) => [x, y - 3]);
    const teethBottom = teethTop.map(([x, y]) => [x, y + 11]).reverse();
    this.teeth.setAttribute("d", `${smoothPath(teethTop)}${smoothPath(teethBottom, false)}Z`);
    this.tongue.setAttribute("cx", "0");
    this.tongue.setAttribute("cy", f1(lowerMid - 2));
    this.tongue.setAttribute("rx", f1(0.55 * Math.min(halfL, halfR)));
    this.tongue.setAttribute("ry", "10");

    const out = clamp(v("tongueOut"));
    if (out < 0.02) {
      this.tongueOut.setAttribute("d", "");
    } else {
      const top = (upperMid + lowerMid) / 2;
      const length = Math.max(0, lowerMid - top) + tL + 22 * out;
      const w = 12 + 6 * out;
      const end = top + length;
      this.tongueOut.setAttribute(
        "d",
        `M${f1(-w)} ${f1(top)}C${f1(-w)} ${f1(top + 0.75 * length)} ${f1(-0.6 * w)} ${f1(end)} 0 ${f1(end)}` +
          `C${f1(0.6 * w)} ${f1(end)} ${f1(w)} ${f1(top + 0.75 * length)} ${f1(w)} ${f1(top)}Z`,
      );
    }
  }
}

// --- the page ---------------------------------------------------------------------------------------------------

const clock = new ClockSync();
const player = new VoicePlayer(clock);
const view = new FaceView(document.getElementById("face"));
const statusLine = document.getElementById("status");
const soundButton = document.getElementById("sound");
const channelsPanel = document.getElementById("channels");
const channelList = document.getElementById("channel-list");

const state = {
  connected: false,
  agent: false, // an agent is online on this robot's topics (else the status line says "no agent")
  names: [],
  index: new Map(),
  values: new Float32Array(0), // the values on screen
  latencyMs: 0, // the rig's actuator latency: the controller sends each frame this much before its pts
  frames: [], // received frames waiting for their time on screen, oldest first
  tickSeq: 0, // the controller tick of the newest frame
  shownTick: 0, // the tick of the values in `values`
  shownAtServerMs: null, // when they went on screen, on the server's clock
  renderedTick: 0, // the tick drawn on screen
  utterance: 0,
  tickRate: 0,
  frameTimes: [], // arrival times of the last second of frames
  dirty: true,
};

const value = (name) => {
  const i = state.index.get(name);
  return i === undefined || i >= state.values.length ? 0 : state.values[i];
};

function onHello(message) {
  state.names = message.channels.map((c) => c.name);
  state.index = new Map(state.names.map((name, i) => [name, i]));
  state.values = Float32Array.from(message.channels, (c) => c.neutral);
  state.latencyMs = message.latency_ms || 0;
  state.agent = Boolean(message.agent);
  state.frames = [];
  state.dirty = true; // draw the neutral face at once
}

function onFrame(buffer) {
  const dv = new DataView(buffer);
  const seq = dv.getUint32(8, true);
  state.tickSeq = seq;
  state.tickRate = dv.getFloat32(12, true);
  state.frames.push({
    utt: dv.getUint32(4, true),
    seq,
    // A motor needs latency_ms to get there, so the controller commands early; a drawn face is there at once,
    // so it waits that long to stay in step with the voice.
    showAtMs: dv.getFloat64(16, true) + state.latencyMs,
    values: new Float32Array(buffer, HEADER_BYTES, (buffer.byteLength - HEADER_BYTES) / 4),
  });
  // A hidden tab gets no animation frames, so nothing takes frames off the queue: keep only the newest.
  if (state.frames.length > MAX_QUEUED_FRAMES) state.frames.shift();
  const now = pageMs();
  state.frameTimes.push(now);
  while (state.frameTimes[0] < now - 1000) state.frameTimes.shift();
}

/** Moves the newest frame that is due (on the server's clock) to the screen. */
function takeDueFrame() {
  const frames = state.frames;
  if (frames.length === 0) return;
  // Without a clock estimate yet, or with a frame implausibly far ahead, show frames as they come.
  const serverNow = clock.offsetMs === null ? Infinity : pageMs() + clock.offsetMs;
  let due = -1;
  for (let i = 0; i < frames.length; i++) {
    if (frames[i].showAtMs <= serverNow || frames[i].showAtMs - serverNow > MAX_FRAME_LEAD_MS) due = i;
  }
  if (due < 0) return;
  const frame = frames[due];
  frames.splice(0, due + 1);
  state.values = frame.values;
  state.utterance = frame.utt;
  state.shownTick = frame.seq;
  state.shownAtServerMs = clock.offsetMs === null ? null : serverNow;
  state.dirty = true;
}

function onAudio(buffer) {
  const dv = new DataView(buffer);
  player.play({
    flags: dv.getUint8(1),
    utt: dv.getUint32(4, true),
    seq: dv.getUint32(8, true),
    rate: dv.getUint32(12, true),
    ptsMs: dv.getFloat64(16, true),
    pcm: new Int16Array(buffer, HEADER_BYTES, (buffer.byteLength - HEADER_BYTES) / 2),
  });
}

function connect() {
  const url = new URL("ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const token = new URLSearchParams(location.search).get("token");
  url.search = token ? `?token=${encodeURIComponent(token)}` : ""; // the simulator's access token, when it has one
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const timers = [];
  const ping = () => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ t: "ping", c: pageMs() }));
  };
  ws.onopen = () => {
    state.connected = true;
    clock.reset();
    for (let i = 0; i < PING_BURST; i++) timers.push(setTimeout(ping, i * PING_BURST_GAP_MS));
    timers.push(setInterval(ping, PING_EVERY_MS));
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") {
      const type = new DataView(event.data).getUint8(0);
      if (type === MSG_FRAME) onFrame(event.data);
      else if (type === MSG_AUDIO) onAudio(event.data);
      return;
    }
    const message = JSON.parse(event.data);
    if (message.t === "pong") {
      const first = clock.offsetMs === null;
      clock.add(message.c, message.s, pageMs());
      if (first) player.clockReady();
    } else if (message.t === "hello") {
      onHello(message);
    } else if (message.t === "flush") {
      player.flush(message.utt);
    } else if (message.t === "resume") {
      player.resume(message.utt);
    } else if (message.t === "agent") {
      state.agent = message.online;
    }
  };
  ws.onclose = () => {
    state.connected = false;
    timers.forEach(clearTimeout); // clears intervals too: both share one list of timers
    setTimeout(connect, RECONNECT_MS);
  };
}

function animate() {
  takeDueFrame();
  if (state.dirty) {
    state.dirty = false;
    view.render(value);
    state.renderedTick = state.shownTick;
    view.svg.dataset.renderedTick = String(state.renderedTick);
  }
  requestAnimationFrame(animate);
}

const signed = (x, digits = 1) => (x >= 0 ? "+" : "") + x.toFixed(digits);

function updateStatus() {
  const body = document.body.dataset;
  body.connected = String(state.connected);
  body.sound = player.running ? "on" : "off";
  body.utterance = String(state.utterance);
  soundButton.hidden = player.running;
  if (!state.connected) {
    statusLine.textContent = "disconnected, retrying…";
    return;
  }
  const parts = ["connected"];
  if (clock.offsetMs !== null) {
    body.offsetMs = clock.offsetMs.toFixed(2);
    parts.push(`clock offset ${signed(clock.offsetMs)} ms (rtt ${clock.rttMs.toFixed(1)} ms)`);
  }
  const fps = state.frameTimes.length;
  parts.push(`${fps} frames/s` + (state.tickRate ? ` (controller ${Math.round(state.tickRate)}/s)` : ""));
  if (state.latencyMs) parts.push(`face delayed ${Math.round(state.latencyMs)} ms (rig latency)`);
  const speaking = player.speaking();
  body.agent = String(state.agent);
  const resting = state.agent ? "idle" : "no agent";
  parts.push(state.utterance || speaking ? `utterance ${state.utterance || speaking}` : resting);
  parts.push(player.running ? "sound on" : "sound off");
  statusLine.textContent = parts.join(" · ");
}

function updateChannels() {
  if (channelsPanel.hidden) return;
  const active = state.names
    .map((name, i) => [name, state.values[i] ?? 0])
    .filter(([, x]) => Math.abs(x) > 0.02)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 24);
  channelList.replaceChildren(
    ...active.map(([name, x]) => {
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = name;
      const number = document.createElement("span");
      number.className = "number";
      number.textContent = x.toFixed(2);
      const bar = document.createElement("div");
      bar.className = "bar";
      // Degrees are shown against their ±45° range, coefficients against 1.
      const scale = /^(head|eye)(Yaw|Pitch|Roll)$/.test(name) ? 45 : 1;
      bar.style.width = `${Math.round(clamp(Math.abs(x) / scale) * 100)}%`;
      li.append(label, number, bar);
      return li;
    }),
  );
}

function toggleChannels() {
  channelsPanel.hidden = !channelsPanel.hidden;
  updateChannels();
}

soundButton.addEventListener("click", () => player.enable());
// Any click counts as the user gesture browsers ask for before they let a page make sound.
document.addEventListener("pointerdown", () => player.running || player.enable());
document.getElementById("channels-toggle").addEventListener("click", toggleChannels);
document.addEventListener("keydown", (event) => event.key === "c" && toggleChannels());
player.ctx.addEventListener("statechange", updateStatus);

// What tests and curious users can inspect from the console.
window.companionFace = {
  get connected() {
    return state.connected;
  },
  get values() {
    return Object.fromEntries(state.names.map((name) => [name, value(name)]));
  },
  get tickSeq() {
    return state.tickSeq;
  },
  get renderedTick() {
    return state.renderedTick;
  },
  get shownAtServerMs() {
    return state.shownAtServerMs;
  },
  get utterance() {
    return state.utterance;
  },
  get offsetMs() {
    return clock.offsetMs;
  },
  get rttMs() {
    return clock.rttMs;
  },
  get clockSamples() {
    return clock.samples.length;
  },
  get framesPerSecond() {
    return state.frameTimes.length;
  },
  get scheduled() {
    return player.scheduled.map((entry) => ({ ...entry }));
  },
  audio: {
    get state() {
      return player.ctx.state;
    },
    get currentTime() {
      return player.ctx.currentTime;
    },
    outputTimestamp: () => player.ctx.getOutputTimestamp(),
    contextTimeOfServerMs: (ms) => player.contextTimeOfServerMs(ms),
    speaking: () => player.speaking(),
    level: () => player.level(),
  },
  enableSound: () => player.enable(),
};

connect();
requestAnimationFrame(animate);
setInterval(updateStatus, 250);
setInterval(updateChannels, 100);
updateStatus();
