// Salon console — a playbook's floor alert: a short beep (WebAudio, no sound file) and a browser
// notification when the associate already granted the permission (we never ask from here).
//
// The visit summary carries `alert: {message, playbook, at (epoch s), associate_id}` for two
// minutes after a playbook fired; the tile pulses meanwhile (console.css [data-alert]).

export const ALERT_SECONDS = 120;

let audio = null;

/** An alert still worth showing: well-formed and under two minutes old. */
export function activeAlert(v, nowMs = Date.now()) {
  const a = v && typeof v.alert === 'object' ? v.alert : null;
  if (!a) return null;
  const at = Number(a.at);
  if (!Number.isFinite(at) || nowMs / 1000 - at > ALERT_SECONDS) return null;
  return { message: typeof a.message === 'string' ? a.message : '', playbook: typeof a.playbook === 'string' ? a.playbook : '', at };
}

function beep() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    if (!audio) audio = new Ctx();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    const t = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, t);
    osc.frequency.setValueAtTime(660, t + 0.12);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.18, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.32);
  } catch { /* no audio device: the pulse and the card still show it */ }
}

/** Ring once for a new alert: sound, notification (if allowed), and a counter tests can read. */
export function ringAlert(alert, label) {
  beep();
  const body = document.body;
  body.dataset.alertsRung = String((Number(body.dataset.alertsRung) || 0) + 1);
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    try {
      // a notification body is plain text: the browser never renders it as markup
      const n = new Notification(alert.playbook ? `Salon · ${alert.playbook}` : 'Salon', {
        body: `${label}: ${alert.message || 'needs attention'}`,
        tag: `salon-alert-${alert.at}`,
      });
      n.onclick = () => { window.focus(); n.close(); };
    } catch { /* notifications unavailable here */ }
  }
}
