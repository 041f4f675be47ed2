/**
 * Writes `public/sounds/sos-alarm.wav`, the live map's SOS alarm: 0.8 s of two alternating tones (960 and
 * 720 Hz, 0.2 s each, with short fades so they do not click), 16-bit mono PCM at 16 kHz, about 25 KB.
 * Generated rather than downloaded so the repository owns every byte it serves.
 *
 *   npx tsx scripts/make-alarm-sound.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const SAMPLE_RATE = 16_000;
const TONES_HZ = [960, 720, 960, 720];
const TONE_SECONDS = 0.2;
const FADE_SECONDS = 0.01;
const AMPLITUDE = 0.6;

function alarmSamples(): Int16Array {
  const perTone = Math.round(SAMPLE_RATE * TONE_SECONDS);
  const fade = Math.round(SAMPLE_RATE * FADE_SECONDS);
  const samples = new Int16Array(perTone * TONES_HZ.length);
  TONES_HZ.forEach((hz, tone) => {
    for (let i = 0; i < perTone; i++) {
      const envelope = Math.min(1, i / fade, (perTone - 1 - i) / fade);
      // A square-ish wave (sine plus its third harmonic) carries better through a noisy control room than a pure sine.
      const t = i / SAMPLE_RATE;
      const wave = Math.sin(2 * Math.PI * hz * t) + Math.sin(2 * Math.PI * 3 * hz * t) / 3;
      samples[tone * perTone + i] = Math.round(wave * 0.75 * AMPLITUDE * envelope * 32_767);
    }
  });
  return samples;
}

/** A RIFF/WAVE file of 16-bit mono PCM. */
function wav(samples: Int16Array): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const out = path.join(__dirname, "..", "public", "sounds", "sos-alarm.wav");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, wav(alarmSamples()));
console.log(`wrote ${path.relative(process.cwd(), out)}`);
